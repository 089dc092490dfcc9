package dev.parley.ops;

import io.vertx.core.Vertx;

/**
 * Where this node is in its life: serving once every verticle is deployed (the HTTP edge comes up
 * before them), shutting down from SIGTERM on. Readiness answers 503 unless it is serving and not
 * shutting down. Also which backing services the node currently works around ({@link Backend}):
 * the components that notice trouble report it here, and health and metrics read it from here.
 */
public final class NodeState {

  private static final String MAP = "parley.state";
  private static final String SHUTTING_DOWN = "shutting-down";
  private static final String SERVING = "serving";

  /** A backing service whose trouble the node works around. */
  public enum Backend {
    POSTGRES, REDIS;

    private String key() {
      return "degraded-" + name();
    }

    /** The name used in metrics tags and health bodies. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private NodeState() {
  }

  /**
   * Marks or clears trouble with {@code backend}; answers whether the state changed, so the
   * caller can log one line per change for the whole node.
   */
  public static boolean degraded(Vertx vertx, Backend backend, boolean degraded) {
    var map = vertx.sharedData().<String, Boolean>getLocalMap(MAP);
    if (degraded) {
      return map.putIfAbsent(backend.key(), true) == null;
    }
    return map.get(backend.key()) != null && map.remove(backend.key()) != null;
  }

  public static boolean degraded(Vertx vertx, Backend backend) {
    return vertx.sharedData().getLocalMap(MAP).get(backend.key()) != null;
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
