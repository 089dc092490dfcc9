package dev.parley.http;

import dev.parley.bus.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The management listener: /metrics (Prometheus) and the health probes, on their own port
 * (management.port, by default on 127.0.0.1 only) so the API port never exposes metrics, and, when
 * management.bearer_token is set, /metrics answers only to that token (Prometheus'
 * {@code authorization: {credentials: ...}}). A port that cannot be bound is logged, not fatal.
 */
final class Management {

  private static final Logger LOG = LoggerFactory.getLogger(Management.class);

  private Management() {
  }

  static Future<HttpServer> listen(Vertx vertx, JsonObject config, Health health) {
    JsonObject management = config.getJsonObject("management");
    int port = management.getInteger("port", 0);
    String registry = config.getJsonObject("metrics", new JsonObject()).getString("registry", "");
    if (port <= 0) {
      return Future.succeededFuture();
    }
    Router router = Router.router(vertx);
    String token = management.getString("bearer_token", "");
    router.get("/metrics").handler(rc -> {
      if (!token.isEmpty() && !matches(rc.request().getHeader("Authorization"), "Bearer " + token)) {
        Problems.send(rc, Problem.unauthorized());
        return;
      }
      rc.next();
    });
    if (!registry.isEmpty()) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    }
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
    router.route().handler(rc -> Problems.send(rc, Problem.notFound("The resource")));
    String host = management.getString("host", "127.0.0.1");
    return vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost(host)).requestHandler(router).listen()
        .onFailure(e -> LOG.warn("The management listener (metrics, probes) could not bind {}:{}: {}", host, port,
            e.getClass().getSimpleName()))
        .otherwiseEmpty();
  }

  /** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
  private static boolean matches(String given, String expected) {
    return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8));
  }
}
