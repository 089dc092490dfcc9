package dev.parley.support;

import dev.parley.ParleyServer;
import dev.parley.config.ParleyConfig;
import dev.parley.db.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Parley node started in-process for one test class, on a database of its own and a free port,
 * reached over real HTTP. Settings are given as the PARLEY_* variables an operator would set.
 */
public final class TestServer implements AutoCloseable {

  public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

  private final Map<String, String> env;
  private final int port;
  private ParleyServer server;
  private Vertx clientVertx;
  private WebClient client;

  private TestServer(Map<String, String> env) {
    this.env = env;
    this.port = Integer.parseInt(env.get("PARLEY_HTTP_PORT"));
  }

  /** A node on a fresh database with the test HS256 secret, plus {@code extra} settings. */
  public static TestServer start(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    env.put("PARLEY_PG_URL", TestServices.freshDatabase());
    env.put("PARLEY_HTTP_PORT", Integer.toString(TestServices.freePort()));
    env.put("PARLEY_HTTP_HOST", "127.0.0.1");
    env.put("PARLEY_MANAGEMENT_PORT", Integer.toString(TestServices.freePort()));
    env.put("PARLEY_DATA_DIR", tempDir().toString());
    env.put("PARLEY_JWT_HS256_SECRET", SECRET);
    env.put("PARLEY_PG_POOL_SIZE", "8");
    env.put("PARLEY_HTTP_SHUTDOWN_DELAY_MS", "0");
    env.put("PARLEY_HTTP_SHUTDOWN_GRACE_MS", "3000");
    env.putAll(extra);
    TestServer server = new TestServer(env);
    server.boot();
    return server;
  }

  public static TestServer start() {
    return start(Map.of());
  }

  /** Stops the node and starts it again with the same settings (same database). */
  public TestServer restart() {
    await(stopNode());
    boot();
    return this;
  }

  private void boot() {
    server = await(ParleyServer.start(ParleyConfig.load(env)));
    if (clientVertx == null) {
      clientVertx = Vertx.vertx();
      client = WebClient.create(clientVertx, new WebClientOptions()
          .setDefaultHost("127.0.0.1").setDefaultPort(port));
    }
  }

  public WebClient client() {
    return client;
  }

  public Vertx clientVertx() {
    return clientVertx;
  }

  /** The node's own Vert.x, for tests that talk to it over the event bus. */
  public Vertx nodeVertx() {
    return server.vertx();
  }

  public int port() {
    return port;
  }

  public Map<String, String> env() {
    return env;
  }

  /** Runs one SQL statement on the node's database over JDBC, behind the server's back. */
  public void sql(String statement) {
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row of {@code query} on the node's database. */
  public long sqlLong(String query) {
    try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private Connection jdbc() throws SQLException {
    DatabaseUrl db = DatabaseUrl.parse(env.get("PARLEY_PG_URL"));
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }

  /** A valid token for {@code user}, signed with the test secret. */
  public String token(String user) {
    return sign(new JsonObject(), new JWTOptions().setSubject(user).setExpiresInMinutes(60));
  }

  /** A token with the given claims and options, signed with the test secret (HS256). */
  public String sign(JsonObject claims, JWTOptions options) {
    JWTAuth signer = JWTAuth.create(clientVertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    return signer.generateToken(claims, options.setAlgorithm("HS256"));
  }

  /** An anonymous token for {@code user} signed with the node's anonymous key, expired an hour ago. */
  public String signAnonymousExpired(String user) {
    String key = dev.parley.auth.AnonymousTokens.signingKey(ParleyConfig.load(env).json()).orElseThrow();
    JWTAuth signer = JWTAuth.create(clientVertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key)));
    long now = System.currentTimeMillis() / 1000;
    return signer.generateToken(new JsonObject().put("anonymous", true).put("sub", user).put("iss", "parley-anonymous")
        .put("iat", now - 7200).put("exp", now - 3600), new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  public String bearer(String user) {
    return "Bearer " + token(user);
  }

  /** Starts stopping the node (as SIGTERM does) and returns when it has stopped. */
  public io.vertx.core.Future<Void> stopNode() {
    if (server == null) {
      return io.vertx.core.Future.succeededFuture();
    }
    io.vertx.core.Future<Void> stopped = server.stop();
    server = null;
    return stopped;
  }

  @Override
  public void close() {
    await(stopNode());
    if (clientVertx != null) {
      await(clientVertx.close());
    }
  }

  public static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("parley-test");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
