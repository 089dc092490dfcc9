package dev.parley.bus;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * The one way a Parley verticle serves an event-bus address. For every request it checks the
 * caller (the {@code user} header, by the same rule as a token's subject), that the body is a JSON
 * object with clean text, runs the operation, and answers exactly once: the {@link Reply}, or a
 * problem for any failure — thrown, failed, or a null future. Failures the owner can explain
 * (e.g. SQL states) become their problems; anything else is logged by class (never by message,
 * which may quote user data) and answered as a 500. Nothing is left to the sender's time-out.
 * Metrics and the audit trail hang off the {@link Observer}.
 */
public final class BusEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(BusEndpoint.class);

  /** Who may call an address. */
  public enum Caller {
    /** A request on behalf of a user, named in the {@code user} header (required). */
    USER,
    /** Parley's own plumbing with no user (lease renewal, health, call records). */
    SERVICE
  }

  /** One request as an operation sees it. {@code user} is null for SERVICE addresses. */
  public record Request(String address, String user, JsonObject body, MultiMap headers) {

    public String header(String name) {
      return headers.get(name);
    }

    public String requestId() {
      return headers.get(BusHeaders.REQUEST_ID);
    }
  }

  @FunctionalInterface
  public interface Operation {
    Future<Reply> apply(Request request);
  }

  /** Told about every answer, for metrics and the audit trail. */
  public interface Observer {
    Observer NONE = new Observer() {
    };

    default void succeeded(Request request, Reply reply) {
    }

    default void failed(Request request, Problem problem) {
    }
  }

  /** Failures the owner knows how to explain; empty means unexpected (logged, answered 500). */
  @FunctionalInterface
  public interface Failures {
    Failures NONE = failure -> Optional.empty();

    Optional<Problem> explain(Throwable failure);
  }

  private final Vertx vertx;
  private final int maxUserChars;
  private final Failures failures;
  private final Observer observer;

  public BusEndpoint(Vertx vertx, int maxUserChars, Failures failures, Observer observer) {
    registerCodec(vertx);
    this.vertx = vertx;
    this.maxUserChars = maxUserChars;
    this.failures = failures;
    this.observer = observer;
  }

  /** An endpoint for a verticle with Parley's configuration (the user rule comes from jwt.max_subject_chars). */
  public static BusEndpoint of(Vertx vertx, JsonObject config, Failures failures, Observer observer) {
    int maxUserChars = config.getJsonObject("jwt", new JsonObject()).getInteger("max_subject_chars", 255);
    return new BusEndpoint(vertx, maxUserChars, failures, observer);
  }

  /** The reply codecs for local callers, once per Vert.x instance (verticle instances race to them). */
  private static void registerCodec(Vertx vertx) {
    for (io.vertx.core.eventbus.MessageCodec<?, ?> codec : new io.vertx.core.eventbus.MessageCodec<?, ?>[] {
        new JsonReplyCodec(), new BytesReplyCodec()}) {
      try {
        vertx.eventBus().registerCodec(codec);
      } catch (IllegalStateException alreadyRegistered) {
        // another verticle of this node registered it first
      }
    }
  }

  /**
   * Serves {@code address}. A public address is registered cluster-wide (any member may call it);
   * an internal one ({@link InternalAddresses}) only in this node, so no other node can reach it.
   */
  public MessageConsumer<Object> serve(String address, Caller caller, Operation operation) {
    io.vertx.core.Handler<Message<Object>> handler = msg -> handle(msg, address, caller, operation);
    return address.startsWith(InternalAddresses.PREFIX)
        ? vertx.eventBus().localConsumer(address, handler)
        : vertx.eventBus().consumer(address, handler);
  }

  private void handle(Message<Object> msg, String address, Caller caller, Operation operation) {
    Request request = null;
    Future<Reply> result;
    try {
      request = request(msg, address, caller);
      result = operation.apply(request);
      if (result == null) {
        result = Future.failedFuture(new NoAnswer("returned no future"));
      }
    } catch (ClassCastException wrongType) {
      // A member of a request read before it was checked (internal addresses) has the wrong type.
      result = Future.failedFuture(Problem.badRequest("A member of the request has the wrong type"));
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    Request answered = request != null ? request
        : new Request(address, null, new JsonObject(), msg.headers());
    result.onComplete(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        try {
          observer.succeeded(answered, ar.result());
          ar.result().sendTo(msg);
          return;
        } catch (RuntimeException e) {
          fail(msg, answered, e);
          return;
        }
      }
      fail(msg, answered, ar.succeeded() ? new NoAnswer("completed without a reply") : ar.cause());
    });
  }

  private Request request(Message<Object> msg, String address, Caller caller) {
    String user = msg.headers().get(BusHeaders.USER);
    if (caller == Caller.USER && !UserIds.valid(user, maxUserChars)) {
      throw Problem.badRequest("The user header is required: a user id of 1 to " + maxUserChars
          + " characters without control characters");
    }
    Object body = msg.body();
    if (body != null && !(body instanceof JsonObject)) {
      throw Problem.badRequest("The request body must be a JSON object");
    }
    JsonObject json = body == null ? new JsonObject() : (JsonObject) body;
    InputRules.checkText(json, "");
    return new Request(address, caller == Caller.USER ? user : null, json, msg.headers());
  }

  /** An operation that broke its contract (no future, or no reply): a bug, answered as a 500. */
  private static final class NoAnswer extends RuntimeException {
    NoAnswer(String what) {
      super("the operation " + what, null, false, false);
    }
  }

  private void fail(Message<Object> msg, Request request, Throwable failure) {
    Optional<Problem> explained = failure instanceof Problem p ? Optional.of(p)
        : failure instanceof NoAnswer ? Optional.empty() : failures.explain(failure);
    Problem problem = explained.orElseGet(() -> {
      LOG.error("Unexpected failure on {} (request {}): {}", request.address(), request.requestId(),
          failure == null ? "unknown" : failure.getClass().getName());
      LOG.debug("Unexpected failure", failure);
      return Problem.internal();
    });
    try {
      observer.failed(request, problem);
    } finally {
      problem.failOn(msg);
    }
  }
}
