package dev.parley.support;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Parley node in a child JVM (the test's classpath), for tests that kill or signal a real process. */
public final class ParleyProcess implements AutoCloseable {

  private final Process process;
  private final int port;

  private ParleyProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts a node with the test secret, a fresh data directory and {@code env}, and waits until it is ready. */
  public static ParleyProcess start(Map<String, String> env) throws IOException, InterruptedException {
    return start(env, false);
  }

  /** @param noLocale run with no LANG or LC_* at all, as on a machine without a UTF-8 locale */
  public static ParleyProcess start(Map<String, String> env, boolean noLocale) throws IOException, InterruptedException {
    return start(env, noLocale, null);
  }

  /** The same, with the node's output in {@code log} (null: discarded). */
  public static ParleyProcess start(Map<String, String> env, boolean noLocale, java.nio.file.Path log)
      throws IOException, InterruptedException {
    int port = TestServices.freePort();
    Map<String, String> all = new HashMap<>(Map.of("PARLEY_HTTP_PORT", Integer.toString(port),
        "PARLEY_HTTP_HOST", "127.0.0.1", "PARLEY_JWT_HS256_SECRET", TestServer.SECRET,
        "PARLEY_MANAGEMENT_PORT", Integer.toString(TestServices.freePort()),
        "PARLEY_DATA_DIR", Files.createTempDirectory("parley-process").toString()));
    all.putAll(env);
    ProcessBuilder builder = new ProcessBuilder(System.getProperty("java.home") + File.separator + "bin" + File.separator
        + "java", "-cp", System.getProperty("java.class.path"), "dev.parley.Parley");
    builder.environment().keySet().removeIf(k -> k.startsWith("PARLEY_")
        || noLocale && (k.equals("LANG") || k.startsWith("LC_") || k.equals("JAVA_TOOL_OPTIONS")));
    builder.environment().putAll(all);
    builder.redirectErrorStream(true)
        .redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(log.toFile()));
    ParleyProcess node = new ParleyProcess(builder.start(), port);
    node.awaitReady();
    return node;
  }

  public int port() {
    return port;
  }

  public Process process() {
    return process;
  }

  /** SIGKILL: no shutdown hook, no drain; the kernel closes its sockets. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  private void awaitReady() {
    Eventually.ready(port, 60_000, process::isAlive);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
