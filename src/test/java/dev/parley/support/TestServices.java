package dev.parley.support;

import dev.parley.db.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * PostgreSQL and Redis for the tests, in this order: PARLEY_TEST_PG_URL / PARLEY_TEST_REDIS_URL
 * when set; else Testcontainers where a Docker engine answers; else embedded servers. Started once
 * per JVM. Each caller of {@link #freshDatabase()} gets a database of its own on that server.
 */
public final class TestServices {

  private static final java.util.List<String> created = new java.util.ArrayList<>();
  private static String pgServerUrl;
  private static String redisUrl;
  private static String pgSource;
  private static String redisSource;

  private TestServices() {
  }

  /**
   * A new, empty database on the test PostgreSQL server, as a postgresql:// URL. Every database made
   * here is dropped when the test JVM exits, so a build leaves nothing behind on a shared server.
   */
  public static synchronized String freshDatabase() {
    DatabaseUrl server = DatabaseUrl.parse(pgServerUrl());
    String name = "parley_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
         Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create a test database on " + server.describe(), e);
    }
    if (created.isEmpty()) {
      Runtime.getRuntime().addShutdownHook(new Thread(TestServices::dropCreated, "drop-test-databases"));
    }
    created.add(name);
    return server.withDatabase(name);
  }

  private static synchronized void dropCreated() {
    DatabaseUrl server = DatabaseUrl.parse(pgServerUrl);
    try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
         Statement s = c.createStatement()) {
      for (String name : created) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (SQLException e) {
      System.err.println("[TestServices] could not drop the test databases: " + e.getMessage());
    }
  }

  public static synchronized String pgServerUrl() {
    if (pgServerUrl == null) {
      String fromEnv = System.getenv("PARLEY_TEST_PG_URL");
      if (fromEnv != null && !fromEnv.isBlank()) {
        pgServerUrl = fromEnv;
        pgSource = "PARLEY_TEST_PG_URL";
      } else if (dockerAnswers()) {
        PostgreSQLContainer<?> pg = new PostgreSQLContainer<>("postgres:15-alpine");
        pg.start();
        pgServerUrl = "postgresql://" + pg.getUsername() + ":" + pg.getPassword() + "@" + pg.getHost() + ":"
            + pg.getMappedPort(5432) + "/" + pg.getDatabaseName();
        pgSource = "Testcontainers";
      } else {
        try {
          EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
          Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(pg)));
          pgServerUrl = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
          pgSource = "embedded";
        } catch (IOException e) {
          throw new IllegalStateException("Cannot start an embedded PostgreSQL for the tests", e);
        }
      }
      System.out.println("[TestServices] PostgreSQL from " + pgSource);
    }
    return pgServerUrl;
  }

  public static synchronized String redisUrl() {
    if (redisUrl == null) {
      String fromEnv = System.getenv("PARLEY_TEST_REDIS_URL");
      if (fromEnv != null && !fromEnv.isBlank()) {
        redisUrl = fromEnv;
        redisSource = "PARLEY_TEST_REDIS_URL";
      } else if (dockerAnswers()) {
        GenericContainer<?> redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
        redis.start();
        redisUrl = "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
        redisSource = "Testcontainers";
      } else {
        int port = freePort();
        try {
          RedisServer redis = new RedisServer(port);
          redis.start();
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              redis.stop();
            } catch (IOException ignored) {
              // shutting down anyway
            }
          }));
        } catch (IOException e) {
          throw new IllegalStateException("Cannot start an embedded Redis for the tests", e);
        }
        redisUrl = "redis://127.0.0.1:" + port;
        redisSource = "embedded";
      }
      System.out.println("[TestServices] Redis from " + redisSource);
    }
    return redisUrl;
  }

  /** Sends PING over a plain socket and returns the reply line. */
  public static String redisPing() throws IOException {
    URI uri = URI.create(redisUrl());
    try (Socket socket = new Socket(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort())) {
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\r') {
        line.append((char) c);
      }
      return line.toString();
    }
  }

  /** Ports handed out by this JVM: never twice. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A port free now, for a server a test starts. Taken outside the kernel's ephemeral range: a
   * port the kernel picked (bind to port 0) and the probe then closed could be given to any
   * outgoing connection before the server binds it — Hazelcast once lost its port that way — while
   * a port outside that range is only taken by someone binding it on purpose. Never the same twice.
   */
  public static int freePort() {
    int[] ephemeral = ephemeralRange();
    // 10,000 ports below the range when there is room, else above it.
    int low = ephemeral[0] - 10_000 >= 1_024 ? ephemeral[0] - 10_000 : ephemeral[1] + 1;
    int high = ephemeral[0] - 10_000 >= 1_024 ? ephemeral[0] : 65_536;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 2_000 && high > low; attempt++) {
      int port = low + random.nextInt(high - low);
      if (HANDED_OUT.add(port) && bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port between " + low + " and " + high);
  }

  /** The kernel's ephemeral port range (Linux), or the IANA one. */
  static int[] ephemeralRange() {
    try {
      String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
          .trim().split("\\s+");
      return new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {49_152, 65_535};
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean dockerAnswers() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException ignored) {
      // shutting down anyway
    }
  }
}
