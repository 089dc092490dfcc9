package dev.parley.client;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Parley for the client's tests (and its adapters'): the server jar the build has just
 * packaged (system property parley.jar), run as a process with its embedded PostgreSQL in a
 * temporary directory and the placeholder model; tokens come from its own CLI.
 */
public final class ParleyServerProcess implements AutoCloseable {

  private static final String SECRET = "client-test-secret-long-enough-for-hs256-0123456789";
  private final Path jar;
  private final Path dataDir;
  private final Map<String, String> env;
  private final Process process;
  private final URI base;

  private ParleyServerProcess(Map<String, String> extra) throws Exception {
    jar = Path.of(System.getProperty("parley.jar", "../target/parley.jar")).toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException("the server jar is built first: " + jar);
    }
    dataDir = Files.createTempDirectory("parley-client-test");
    int port = freePort();
    env = new HashMap<>(Map.of("PARLEY_DATA_DIR", dataDir.toString(), "PARLEY_HTTP_PORT", Integer.toString(port),
        "PARLEY_HTTP_HOST", "127.0.0.1", "PARLEY_PG_EMBEDDED_PORT", Integer.toString(freePort()),
        "PARLEY_MANAGEMENT_PORT", Integer.toString(freePort()), "PARLEY_JWT_HS256_SECRET", SECRET,
        "PARLEY_HTTP_SHUTDOWN_DELAY_MS", "0"));
    env.putAll(extra);
    ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", jar.toString())
        .redirectErrorStream(true).redirectOutput(dataDir.resolve("server.log").toFile());
    builder.environment().putAll(env);
    process = builder.start();
    base = URI.create("http://127.0.0.1:" + port);
    HttpClient probe = HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      try {
        if (probe.send(HttpRequest.newBuilder(base.resolve("/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      if (!process.isAlive() || System.currentTimeMillis() > deadline) {
        String log = Files.readString(dataDir.resolve("server.log"));
        close();
        throw new IllegalStateException("Parley did not start:\n" + log);
      }
      Thread.sleep(250);
    }
  }

  public static ParleyServerProcess start() throws Exception {
    return new ParleyServerProcess(Map.of());
  }

  /** The same with more settings (PARLEY_* variables). */
  public static ParleyServerProcess start(Map<String, String> extra) throws Exception {
    return new ParleyServerProcess(extra);
  }

  public URI uri() {
    return base;
  }

  /** A token for {@code user}, from the server's own CLI with the same key. */
  public String token(String user) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", jar.toString(), "token", user);
    builder.environment().putAll(env);
    Process token = builder.start();
    String out = new String(token.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (token.waitFor() != 0) {
      throw new IllegalStateException("token failed");
    }
    return out;
  }

  public ParleyClient client(String user) throws Exception {
    return ParleyClient.builder(base).token(token(user)).build();
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
