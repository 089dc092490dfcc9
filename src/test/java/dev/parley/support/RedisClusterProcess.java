package dev.parley.support;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A private Redis Cluster: three {@code redis-server --cluster-enabled yes} masters on free ports
 * of 127.0.0.1, joined and given all 16384 slots by {@code redis-cli --cluster create}. Never the
 * shared Redis. Skips the test when redis-server or redis-cli is not on the PATH.
 */
public final class RedisClusterProcess implements AutoCloseable {

  private final List<Integer> ports = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final Path dir;

  private RedisClusterProcess() {
    try {
      dir = Files.createTempDirectory("parley-redis-cluster");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static RedisClusterProcess start() {
    RedisClusterProcess cluster = new RedisClusterProcess();
    cluster.launch();
    return cluster;
  }

  /** The masters as PARLEY_REDIS_URL takes them with PARLEY_REDIS_CLUSTER=true. */
  public String urls() {
    return ports.stream().map(p -> "redis://127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  public List<Integer> ports() {
    return List.copyOf(ports);
  }

  /** Runs a command on one master with redis-cli and returns what it printed. */
  public String command(int port, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    return run(command, 15);
  }

  private void launch() {
    for (int i = 0; i < 3; i++) {
      int port = TestServices.freePort();
      ports.add(port);
      try {
        processes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
            "--cluster-node-timeout", "5000", "--dir", dir.toString(), "--save", "", "--appendonly", "no",
            "--loglevel", "warning")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
      } catch (IOException e) {
        Assumptions.abort("redis-server is not on the PATH: " + e.getMessage());
      }
    }
    for (int port : ports) {
      Eventually.eventually(10_000, "redis-server listens on port " + port, () -> {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
          return true;
        } catch (IOException notYet) {
          return false;
        }
      });
    }
    List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    ports.forEach(p -> create.add("127.0.0.1:" + p));
    create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    String created = run(create, 60);
    if (!created.contains("All 16384 slots covered")) {
      throw new IllegalStateException("redis-cli --cluster create: " + created);
    }
    for (int port : ports) {
      Eventually.eventually(30_000, "the Redis Cluster is ok on " + port,
          () -> command(port, "cluster", "info").contains("cluster_state:ok"));
    }
  }

  private static String run(List<String> command, long timeoutSeconds) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      return output;
    } catch (IOException e) {
      Assumptions.abort(command.get(0) + " is not on the PATH: " + e.getMessage());
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (Process process : processes) {
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory
    }
  }
}
