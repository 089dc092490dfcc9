package dev.parley.http;

import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per API request: request id, operation, user, status, latency. Never a
 * header, query string or body: those can hold tokens and message text.
 */
final class AccessLog {

  private static final Logger LOG = LoggerFactory.getLogger("access");

  private static final String OPERATION = "parley.operation";

  private AccessLog() {
  }

  /** Names the contract operation a request was routed to (the sub-router shares the context data). */
  static void operation(RoutingContext rc, String operationId) {
    rc.put(OPERATION, operationId);
  }

  static void handle(RoutingContext rc) {
    long started = System.nanoTime();
    rc.addEndHandler(done -> {
      String named = rc.get(OPERATION);
      String op = named != null ? named : rc.request().method() + " " + rc.normalizedPath();
      if (op.startsWith("health") || "GET /metrics".equals(op)) {
        return;
      }
      LOG.atInfo()
          .addKeyValue("request_id", RequestIds.of(rc))
          .addKeyValue("operation", op)
          .addKeyValue("user", rc.user() == null ? null : rc.user().subject())
          .addKeyValue("status", rc.response().getStatusCode())
          .addKeyValue("latency_ms", (System.nanoTime() - started) / 1_000_000)
          .log("request");
    });
    rc.next();
  }
}
