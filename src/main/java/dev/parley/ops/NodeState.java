package dev.parley.ops;

import io.vertx.core.Vertx;

/**
 * Where this node is in its life: serving once every verticle is deployed (the HTTP edge comes up
 * before them), shutting down from SIGTERM on. Readiness answers 503 unless it is serving and not
 * shutting down.
 */
public final class NodeState {

  private static final String MAP = "parley.state";
  private static final String SHUTTING_DOWN = "shutting-down";
  private static final String SERVING = "serving";

  private NodeState() {
  }

  public static void serving(Vertx vertx, boolean serving) {
    if (serving) {
      vertx.sharedData().getLocalMap(MAP).put(SERVING, true);
    } else {
      vertx.sharedData().getLocalMap(MAP).remove(SERVING);
    }
  }

  public static boolean serving(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP).get(SERVING) != null;
  }

  public static void beginShutdown(Vertx vertx) {
    vertx.sharedData().getLocalMap(MAP).put(SHUTTING_DOWN, true);
  }

  public static boolean shuttingDown(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP).get(SHUTTING_DOWN) != null;
  }
}
