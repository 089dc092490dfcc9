package dev.parley.http;

import dev.parley.auth.AnonymousTokens;
import dev.parley.config.Limits;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP edge, one instance per event loop: routes built from openapi.yaml (so every request is
 * validated against the contract), bearer-token auth, and problem+json for every failure.
 * All work happens behind the event bus.
 */
public final class HttpVerticle extends VerticleBase {

  static final String CONTRACT = "openapi.yaml";

  private HttpServer server;
  private HttpServer management;
  private long graceMs;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    JsonObject http = config.getJsonObject("http");
    graceMs = http.getLong("shutdown_grace_ms", 20_000L);
    Limits limits = Limits.from(config.getJsonObject("limits"));
    Optional<AnonymousTokens> anonymous = AnonymousTokens.of(vertx, config);
    VerifiedTokens jwt = new VerifiedTokens(new BearerTokens(Jwt.provider(vertx, config.getJsonObject("jwt")), anonymous),
        config.getJsonObject("jwt").getInteger("leeway_seconds", 0));
    BusForwarder forwarder = new BusForwarder(vertx.eventBus(), http.getLong("request_timeout_ms", 30_000L));

    return vertx.fileSystem().readFile(CONTRACT).compose(contractText ->
        ContractLoader.load(vertx, contractText).compose(contract -> {
          RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
          builder.security("bearerAuth").httpHandler(JWTAuthHandler.create(jwt));
          long turnTimeout = config.getJsonObject("chat").getLong("turn_timeout_ms");
          ChatStream stream = new ChatStream(vertx, config.getJsonObject("chat").getLong("sse_keepalive_ms"), turnTimeout, graceMs);
          Health health = new Health(vertx, !config.getJsonObject("redis").getString("url", "").isBlank());
          ApiRoutes.mount(builder, contract, forwarder, health, new ChatRoutes(forwarder, stream, turnTimeout),
              new ConversationEvents(vertx, http.getLong("request_timeout_ms", 30_000L)), new AnonymousRoutes(anonymous,
                  ParleyMetrics.of(vertx, config)), new UserDataRoutes(vertx, http.getLong("request_timeout_ms", 30_000L)),
              new CompletionsRoutes(forwarder, stream, turnTimeout));
          Router api = builder.createRouter();

          Router root = Router.router(vertx);
          RequestGate gate = new RequestGate(vertx, root, http.getLong("header_timeout_ms"), http.getLong("body_timeout_ms"));
          root.route().handler(rc -> {
            rc.addEndHandler(v -> gate.ended(rc.request()));
            rc.next();
          });
          root.route().handler(RequestIds::handle);
          root.route().handler(AccessLog::handle);
          Cors.of(http).ifPresent(cors -> root.route().handler(cors));
          root.route().handler(new Admission(vertx, http.getInteger("max_in_flight", 0), ParleyMetrics.of(vertx, config)));
          // An import may be larger than any other request; the first body handler a request meets reads it.
          root.post("/v1/users/me/import").handler(BodyHandler.create(false)
              .setBodyLimit(config.getJsonObject("limits").getInteger("import_bytes")));
          root.route().handler(BodyHandler.create(false).setBodyLimit(limits.bodyBytes()));
          ContractDocs.mount(root, contractText);
          if (http.getBoolean("chat_page", true)) {
            ChatPage.mount(root);
          }
          TokenClaims claims = new TokenClaims(config.getJsonObject("jwt"), jwt);
          for (String secured : new String[] {"/v1/*", "/api/*"}) {
            root.route(secured).handler(BearerFormat::check).handler(claims);
          }
          root.route("/*").subRouter(api);
          root.route().failureHandler(Problems::handle);
          for (int status : new int[] {400, 401, 403, 404, 405, 413, 415, 500}) {
            root.errorHandler(status, Problems::handle);
          }

          HttpServerOptions options = new HttpServerOptions()
              .setPort(http.getInteger("port"))
              .setHost(http.getString("host", "0.0.0.0"))
              .setIdleTimeout(120)
              .setCompressionSupported(false)
              // HTTP/1.1 only: with h2c detection on, Vert.x creates the connection only once a whole
              // request has arrived, and a client sending its headers slowly could not be timed out.
              .setHttp2ClearTextEnabled(false);
          int sendBuffer = http.getInteger("send_buffer_bytes", 0);
          if (sendBuffer > 0) {
            options.setSendBufferSize(sendBuffer);
          }
          return vertx.createHttpServer(options).connectionHandler(gate::connected).requestHandler(gate)
              .invalidRequestHandler(RequestGate::invalid).listen()
              .compose(listening -> {
                server = listening;
                return Management.listen(vertx, config, health).onSuccess(m -> management = m);
              });
        }));
  }

  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  @Override
  public Future<?> stop() {
    if (management != null) {
      management.close();
    }
    return server == null ? Future.succeededFuture() : server.shutdown(graceMs, TimeUnit.MILLISECONDS);
  }
}
