package dev.parley.http;

import dev.parley.bus.BusHeaders;
import dev.parley.bus.JsonBytes;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Turns a validated HTTP request into an event-bus request (JSON payload, user and request-id
 * headers) and the bus reply back into HTTP. Handlers stay one line each in {@link ApiRoutes}.
 */
final class BusForwarder {

  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  /** The reply body as it is; a reply of JSON bytes is then written without being decoded. */
  static final Function<JsonObject, JsonObject> AS_IS = Function.identity();

  private final EventBus bus;
  private final long timeoutMs;

  BusForwarder(EventBus bus, long timeoutMs) {
    this.bus = bus;
    this.timeoutMs = timeoutMs;
  }

  /** The parts of a validated request a payload is made from. */
  record Params(ContractValidation.Input input) {

    String path(String name) {
      return input.path().getString(name);
    }

    /** Query parameters by name with their contract types; absent ones are left out. */
    JsonObject query() {
      return input.query().copy();
    }

    JsonObject body() {
      return input.body().copy();
    }

    /** A header parameter the contract declares, with its contract type; null when absent. */
    Object header(String name) {
      return input.headers().getValue(name);
    }
  }

  Handler<RoutingContext> forward(String address, Function<Params, JsonObject> payload) {
    return rc -> send(rc, address, payload, false, timeoutMs, AS_IS);
  }

  /** Like {@link #forward}, honouring the Idempotency-Key header. */
  Handler<RoutingContext> forwardIdempotent(String address, Function<Params, JsonObject> payload) {
    return rc -> send(rc, address, payload, true, timeoutMs, AS_IS);
  }

  /** The general form: a time-out of its own, and a mapping of the reply body. */
  Handler<RoutingContext> forward(String address, Function<Params, JsonObject> payload, boolean idempotent,
                                  long timeout, Function<JsonObject, JsonObject> mapReply) {
    return rc -> send(rc, address, payload, idempotent, timeout, mapReply);
  }

  /** The authenticated user, or null after answering 401. */
  static String user(RoutingContext rc) {
    String user = rc.user() == null ? null : rc.user().subject();
    if (user == null || user.isBlank()) {
      Problems.send(rc, Problem.unauthorized());
      return null;
    }
    return user;
  }

  /** Delivery options carrying the user, the request id and, when asked, the idempotency headers. */
  static DeliveryOptions options(RoutingContext rc, String user, String address, boolean idempotent, long timeout) {
    // Served by this node's verticles: a node answers its own HTTP requests, whatever the cluster.
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true)
        .setSendTimeout(timeout)
        .addHeader(BusHeaders.USER, user)
        .addHeader(BusHeaders.REQUEST_ID, RequestIds.of(rc))
        .addHeader(BusHeaders.ACCEPT_BYTES, "true");
    String key = idempotent ? rc.request().getHeader(IDEMPOTENCY_HEADER) : null;
    if (key != null) {
      options.addHeader(BusHeaders.IDEMPOTENCY_KEY, key).addHeader(BusHeaders.REQUEST_HASH, requestHash(address, rc));
    }
    return options;
  }

  static Params params(RoutingContext rc) {
    return new Params(ContractValidation.input(rc));
  }

  private void send(RoutingContext rc, String address, Function<Params, JsonObject> payload, boolean idempotent,
                    long timeout, Function<JsonObject, JsonObject> mapReply) {
    String user = user(rc);
    if (user == null) {
      return;
    }
    bus.<Object>request(address, payload.apply(params(rc)), options(rc, user, address, idempotent, timeout))
        .onSuccess(message -> {
          Reply reply = Reply.from(message);
          JsonObject body = mapReply == AS_IS ? null : reply.body();
          respond(rc, body == null ? reply : new Reply(reply.status(), mapReply.apply(body), reply.replayed()));
        })
        .onFailure(failure -> Problems.send(rc, Problem.fromBus(failure)));
  }

  private static void respond(RoutingContext rc, Reply reply) {
    HttpServerResponse response = rc.response().setStatusCode(reply.status());
    if (reply.replayed()) {
      response.putHeader("Idempotent-Replayed", "true");
    }
    if (reply.bytes() != null) {
      response.putHeader("Content-Type", "application/json").end(reply.bytes());
    } else if (reply.json() == null) {
      response.end();
    } else {
      response.putHeader("Content-Type", "application/json").end(JsonBytes.encode(reply.json()));
    }
  }

  /** Same key, same operation, same path and same body bytes: the same request. */
  private static String requestHash(String address, RoutingContext rc) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(address.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) '\n');
      digest.update(rc.request().path().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) '\n');
      Buffer body = rc.body().buffer();
      if (body != null) {
        digest.update(body.getBytes());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
