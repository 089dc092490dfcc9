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
      if (op.startsWith("health")) {
        return;
      }
      line(RequestIds.of(rc), op, rc.user() == null ? null : rc.user().subject(), rc.response().getStatusCode(), started);
    });
    rc.next();
  }

  /** The line itself, also for requests refused before routing. */
  static void line(String requestId, String operation, String user, int status, long startedNanos) {
    LOG.atInfo()
        .addKeyValue("request_id", requestId)
        .addKeyValue("operation", operation)
        .addKeyValue("user", user)
        .addKeyValue("status", status)
        .addKeyValue("latency_ms", (System.nanoTime() - startedNanos) / 1_000_000)
        .log("request");
  }
}
