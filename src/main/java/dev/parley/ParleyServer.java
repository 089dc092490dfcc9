package dev.parley;

import dev.parley.config.DatabaseUrl;
import dev.parley.config.EmbeddedDatabase;
import dev.parley.config.ParleyConfig;
import dev.parley.http.HttpVerticle;
import dev.parley.chat.ChatVerticle;
import dev.parley.http.Jwt;
import dev.parley.llm.CallLogVerticle;
import dev.parley.llm.LlmVerticle;
import dev.parley.llm.ModelCatalog;
import dev.parley.store.Migrations;
import dev.parley.store.StoreVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
  private EmbeddedDatabase embedded;

  private ParleyServer(Vertx vertx, boolean ownsVertx, ParleyConfig config) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.config = config;
  }

  /** Starts a node on its own Vert.x instance. */
  public static Future<ParleyServer> start(ParleyConfig config) {
    return start(Vertx.vertx(new VertxOptions()), true, config);
  }

  /** Starts a node on an existing (possibly clustered) Vert.x instance. */
  public static Future<ParleyServer> start(Vertx vertx, boolean ownsVertx, ParleyConfig config) {
    ParleyServer server = new ParleyServer(vertx, ownsVertx, config);
    return server.deploy().map(server);
  }

  public Vertx vertx() {
    return vertx;
  }

  private Future<Void> deploy() {
    return vertx.executeBlocking(this::prepare).compose(resolved -> {
      JsonObject json = resolved.json();
      int eventLoops = 2 * Runtime.getRuntime().availableProcessors();
      int httpInstances = resolved.integer("http.instances") > 0 ? resolved.integer("http.instances") : eventLoops;
      int storeInstances = resolved.integer("store.instances") > 0 ? resolved.integer("store.instances") : eventLoops;
      json.getJsonObject("store").put("instances", storeInstances);
      return deploy(StoreVerticle.class, json, storeInstances)
          .compose(v -> deploy(CallLogVerticle.class, json, 1))
          .compose(v -> deploy(LlmVerticle.class, json, 1))
          .compose(v -> deploy(ChatVerticle.class, json, 1))
          .compose(v -> deploy(HttpVerticle.class, json, httpInstances))
          .onSuccess(id -> LOG.info("Parley listens on http://{}:{} (database {}{}); {}; default model {}",
              resolved.string("http.host"), resolved.integer("http.port"),
              DatabaseUrl.parse(resolved.string("pg.url")).describe(), embedded != null ? ", embedded" : "",
              resolved.json().getJsonObject("jwt").getBoolean("development", false)
                  ? "development JWT key: get a token with `java -jar target/parley.jar token <user>`"
                  : "JWT verification with the configured key",
              new ModelCatalog(json).defaultModel()))
          .mapEmpty();
    });
  }

  private Future<Void> deploy(Class<? extends io.vertx.core.Deployable> verticle, JsonObject config, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config).setInstances(instances)
        .setThreadingModel(ThreadingModel.EVENT_LOOP)).onSuccess(deployments::add).mapEmpty();
  }

  /** The blocking part of start-up: embedded database, migrations, development key. */
  private ParleyConfig prepare() {
    ParleyConfig resolved = config;
    if (!resolved.isSet("pg.url")) {
      embedded = EmbeddedDatabase.start(Path.of(resolved.string("data_dir")), resolved.integer("pg.embedded_port"));
      resolved = resolved.with("pg.url", embedded.url().withDatabase("postgres"));
    }
    Migrations.migrate(DatabaseUrl.parse(resolved.string("pg.url")));
    return Jwt.resolveKeys(resolved);
  }

  /** Undeploys this node's verticles, stops the embedded database, and closes Vert.x if it is ours. */
  public Future<Void> stop() {
    List<Future<Void>> undeployed = new ArrayList<>();
    for (String id : deployments) {
      undeployed.add(vertx.undeploy(id));
    }
    deployments.clear();
    return Future.join(undeployed).<Void>mapEmpty()
        .transform(ignored -> embedded == null ? Future.<Void>succeededFuture() : vertx.<Void>executeBlocking(() -> {
          embedded.close();
          return null;
        }))
        .transform(ignored -> ownsVertx ? vertx.close() : Future.succeededFuture());
  }
}
