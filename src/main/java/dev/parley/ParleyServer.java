package dev.parley;

import dev.parley.chat.ChatVerticle;
import dev.parley.cluster.Clustering;
import dev.parley.config.ParleyConfig;
import dev.parley.db.DatabaseUrl;
import dev.parley.db.EmbeddedDatabase;
import dev.parley.db.Migrations;
import dev.parley.http.HttpVerticle;
import dev.parley.http.Jwt;
import dev.parley.llm.LlmVerticle;
import dev.parley.model.ModelCatalog;
import dev.parley.ops.NodeState;
import dev.parley.store.CallLogVerticle;
import dev.parley.store.MaintenanceVerticle;
import dev.parley.store.StoreVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * One Parley node: resolves embedded defaults (database, development JWT key), applies the
 * migrations, and deploys the verticles. Used by the main class and by the tests alike.
 */
public final class ParleyServer {

  private static final Logger LOG = LoggerFactory.getLogger(ParleyServer.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final ParleyConfig config;
  private final List<String> deployments = new ArrayList<>();
  private String httpDeployment;
  private volatile boolean stopping;
  private boolean waitingForDatabase;
  private EmbeddedDatabase embedded;

  private ParleyServer(Vertx vertx, boolean ownsVertx, ParleyConfig config) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.config = config;
  }

  /**
   * Starts a node on its own Vert.x instance, with its own metrics registry; a clustered one
   * (Hazelcast) when cluster.enabled.
   */
  public static Future<ParleyServer> start(ParleyConfig config) {
    String registry = "parley-" + UUID.randomUUID();
    ParleyConfig withRegistry = config.with("metrics.registry", registry);
    if (config.bool("cluster.enabled")) {
      return Clustering.start(vertxOptions(registry), config).compose(vertx -> start(vertx, true, withRegistry));
    }
    return start(Vertx.vertx(vertxOptions(registry)), true, withRegistry);
  }

  /** Vert.x options with Micrometer metrics (Prometheus) in the registry named {@code registry}. */
  public static VertxOptions vertxOptions(String registry) {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        // The matched route (a path template, never the path): a dashboard tells a history read from a chat turn.
        .addLabels(Label.HTTP_ROUTE)
        .setRegistryName(registry)
        .setJvmMetricsEnabled(true)
        .setMeterCacheEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(false)));
  }

  /** Starts a node on an existing (possibly clustered) Vert.x instance. */
  public static Future<ParleyServer> start(Vertx vertx, boolean ownsVertx, ParleyConfig config) {
    config.warnings().forEach(LOG::warn);
    ParleyServer server = new ParleyServer(vertx, ownsVertx, config);
    return server.deploy().map(server);
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * The HTTP edge comes up first, so /health/live answers and readiness says 503 while the
   * database is unreachable; the migrations and the verticles behind the bus follow as soon as
   * the database answers, retried every pg.connect_retry_ms. Completes when the node is ready,
   * or, when the database is down at start, as soon as the listener is up.
   */
  private Future<Void> deploy() {
    return vertx.executeBlocking(this::prepare).compose(resolved -> {
      JsonObject json = resolved.json();
      int eventLoops = 2 * Runtime.getRuntime().availableProcessors();
      int httpInstances = resolved.integer("http.instances") > 0 ? resolved.integer("http.instances") : eventLoops;
      int storeInstances = resolved.integer("store.instances") > 0 ? resolved.integer("store.instances") : eventLoops;
      json.getJsonObject("store").put("instances", storeInstances);
      return deploy(HttpVerticle.class, json, httpInstances).compose(http -> {
        httpDeployment = http;
        Promise<Void> started = Promise.promise();
        deployBackends(resolved, json, storeInstances, started);
        return started.future();
      });
    });
  }

  /** Migrations, then the verticles behind the bus; on failure (database down) again after a pause. */
  private void deployBackends(ParleyConfig resolved, JsonObject json, int storeInstances, Promise<Void> started) {
    if (stopping) {
      started.tryComplete();
      return;
    }
    vertx.executeBlocking(() -> Migrations.migrate(DatabaseUrl.parse(resolved.string("pg.url")),
        resolved.string("search.config")))
        .compose(migrated -> deployBackend(StoreVerticle.class, json, storeInstances))
        .compose(v -> deployBackend(CallLogVerticle.class, json, 1))
        .compose(v -> deployBackend(MaintenanceVerticle.class, json, 1))
        .compose(v -> deployBackend(LlmVerticle.class, json, 1))
        .compose(v -> deployBackend(ChatVerticle.class, json, 1))
        .onSuccess(v -> {
          NodeState.serving(vertx, true);
          if (waitingForDatabase) {
            LOG.info("The database answers: Parley is ready");
          }
          LOG.info("Parley listens on http://{}:{} (database {}{}); {}; default model {}",
              resolved.string("http.host"), resolved.integer("http.port"),
              DatabaseUrl.parse(resolved.string("pg.url")).describe(), embedded != null ? ", embedded" : "",
              json.getJsonObject("jwt").getBoolean("development", false)
                  ? "development JWT key: get a token with `java -jar target/parley.jar token <user>`"
                  : "JWT verification with the configured key",
              new ModelCatalog(json).defaultModel());
          started.tryComplete();
        })
        .onFailure(e -> {
          if (!waitingForDatabase) {
            waitingForDatabase = true;
            LOG.warn("The database is not reachable ({}): the node answers /health/live, readiness is 503 "
                + "and requests get 503 until it is; retrying every {} ms", e.getClass().getSimpleName(),
                resolved.integer("pg.connect_retry_ms"));
          }
          started.tryComplete();
          undeployBackends().onComplete(ignored -> vertx.setTimer(Math.max(100, resolved.integer("pg.connect_retry_ms")),
              id -> deployBackends(resolved, json, storeInstances, started)));
        });
  }

  private Future<String> deploy(Class<? extends io.vertx.core.Deployable> verticle, JsonObject config, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config).setInstances(instances)
        .setThreadingModel(ThreadingModel.EVENT_LOOP));
  }

  private Future<String> deployBackend(Class<? extends io.vertx.core.Deployable> verticle, JsonObject config, int instances) {
    return deploy(verticle, config, instances).onSuccess(deployments::add);
  }

  /** Undeploys the verticles behind the bus, newest first. */
  private Future<Void> undeployBackends() {
    List<String> reverse = new ArrayList<>(deployments);
    Collections.reverse(reverse);
    deployments.clear();
    Future<Void> undeployed = Future.succeededFuture();
    for (String id : reverse) {
      undeployed = undeployed.transform(ignored -> vertx.undeploy(id));
    }
    return undeployed;
  }

  /** The blocking part of start-up: embedded database, development key. */
  private ParleyConfig prepare() {
    ParleyConfig resolved = config;
    if (!resolved.isSet("pg.url")) {
      embedded = EmbeddedDatabase.start(Path.of(resolved.string("data_dir")), resolved.integer("pg.embedded_port"),
          resolved.bool("pg.embedded_durable"));
      resolved = resolved.with("pg.url", embedded.url().withDatabase("postgres"));
    }
    return Jwt.resolveKeys(resolved);
  }

  /**
   * Graceful stop: readiness turns 503 at once; the HTTP verticles (deployed last) stop first,
   * letting in-flight requests finish within http.shutdown_grace_ms; then the other verticles
   * close their pools, the embedded database stops, and Vert.x closes if it is ours.
   */
  public Future<Void> stop() {
    NodeState.beginShutdown(vertx);
    stopping = true;
    Promise<Void> delayed = Promise.promise();
    vertx.setTimer(Math.max(1, config.integer("http.shutdown_delay_ms")), id -> delayed.complete());
    return delayed.future()
        .transform(ignored -> httpDeployment == null ? Future.<Void>succeededFuture() : vertx.undeploy(httpDeployment))
        .transform(ignored -> undeployBackends())
        .transform(ignored -> embedded == null ? Future.<Void>succeededFuture() : vertx.<Void>executeBlocking(() -> {
          embedded.close();
          return null;
        }))
        .transform(ignored -> ownsVertx ? vertx.close() : Future.succeededFuture());
  }
}
