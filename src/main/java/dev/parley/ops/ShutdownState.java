package dev.parley.ops;

import io.vertx.core.Vertx;

/** Whether this node is shutting down: readiness answers 503 from that moment on. */
public final class ShutdownState {

  private static final String MAP = "parley.state";
  private static final String KEY = "shutting-down";

  private ShutdownState() {
  }

  public static void begin(Vertx vertx) {
    vertx.sharedData().getLocalMap(MAP).put(KEY, true);
  }

  public static boolean shuttingDown(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP).get(KEY) != null;
  }
}
