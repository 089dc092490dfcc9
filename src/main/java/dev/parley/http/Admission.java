package dev.parley.http;

import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load shedding. At most {@code http.max_in_flight} API requests ({@code /v1/*}, {@code /api/*})
 * are worked on at once on this node, counted across all its HTTP verticles; one more is answered
 * at once with 503 {@code overloaded} and {@code Retry-After}, before any work is done for it
 * (no token check, no validation, nothing on the bus). Past its capacity a node thus keeps the
 * latency of what it admits instead of letting every request wait longer. A request counts until
 * its response's headers are written, so a stream (SSE) counts while it is being set up, not for as
 * long as it stays open. Probes, metrics and docs are never shed.
 */
final class Admission implements Handler<RoutingContext> {

  private static final String MAP = "parley.http";
  private static final String KEY = "in-flight";
  private static final Problem OVERLOADED = new Problem(ProblemType.OVERLOADED,
      "The server is at capacity; retry after the time in Retry-After", null, new JsonObject().put("retry_after", 1));

  /** The node's count, shared by its HTTP verticles through a local map. */
  private static final class InFlight extends AtomicInteger implements Shareable {
  }

  private final InFlight inFlight;
  private final int max;
  private final ParleyMetrics metrics;

  /** @param max the most API requests in flight on this node; 0 or less: no limit */
  Admission(Vertx vertx, int max, ParleyMetrics metrics) {
    this.inFlight = (InFlight) vertx.sharedData().<String, InFlight>getLocalMap(MAP).computeIfAbsent(KEY, k -> new InFlight());
    this.max = max;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext rc) {
    if (max <= 0 || !api(rc.request().path())) {
      rc.next();
      return;
    }
    if (inFlight.incrementAndGet() > max) {
      inFlight.decrementAndGet();
      metrics.shed();
      Problems.send(rc, OVERLOADED);
      return;
    }
    boolean[] held = {true};
    Handler<Void> release = v -> {
      if (held[0]) {
        held[0] = false;
        inFlight.decrementAndGet();
      }
    };
    rc.addHeadersEndHandler(release);
    rc.addEndHandler(ar -> release.handle(null));
    rc.next();
  }

  private static boolean api(String path) {
    return path != null && (path.startsWith("/v1/") || path.startsWith("/api/"));
  }
}
