package dev.parley.chat;

import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The events of one streamed turn, between the model call and the caller: each is numbered
 * ({@code n} from 1: the {@code turn} event, then the deltas, then the end), written to the turn
 * log when there is one, and relayed to the caller's stream address while the caller listens.
 *
 * <p>A caller that goes away (a failed or missing ack) cancels the model call, as before, unless
 * the turn is resumable — a turn log that has every event so far: then the turn runs on to its end
 * detached, and the caller (or another device) follows the rest from the log on any node. The
 * model call is acked only after the caller has acked (or left), so back-pressure still reaches
 * the provider. Log writes go one batch at a time, in order.
 */
final class TurnRelay {

  private final Vertx vertx;
  private final Optional<TurnLog> log;
  private final UUID turn;
  private final String owner;
  private final String caller;
  private final long stallMs;
  private final String address = InternalAddresses.STREAM_PREFIX + "relay." + UUID.randomUUID();
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<Object> cancels;
  /** The owner asked to stop the turn: the model's next delta is refused, which cancels the call. */
  private boolean cancelled;
  private final List<TurnLog.Event> pending = new ArrayList<>();
  private boolean writing;
  private boolean logComplete;
  private boolean attached = true;
  private long n;
  private long beat = -1;

  TurnRelay(Vertx vertx, Optional<TurnLog> log, UUID turn, String owner, String caller, long stallMs) {
    this.vertx = vertx;
    this.log = log;
    this.turn = turn;
    this.owner = owner;
    this.caller = caller;
    this.stallMs = stallMs;
    this.logComplete = log.isPresent();
  }

  /** The address the model call streams its deltas to. */
  String address() {
    return address;
  }

  /** Sends the {@code turn} event and starts taking deltas. */
  Future<Void> start(String conversationId, JsonObject userMessage) {
    consumer = vertx.eventBus().localConsumer(address, this::delta);
    // Cluster-wide: DELETE /v1/chat/turns/{id} may reach any node.
    cancels = vertx.eventBus().consumer(InternalAddresses.TURN_CANCEL_PREFIX + turn, request -> {
      if (!owner.equals(request.headers().get(BusHeaders.USER))) {
        Problem.notFound("The turn").failOn(request);
        return;
      }
      cancelled = true;
      request.reply(null);
    });
    log.ifPresent(l -> beat = vertx.setPeriodic(TurnLog.ALIVE_MS / 3, id -> l.beat(turn).onFailure(e -> logComplete = false)));
    JsonObject data = new JsonObject().put("turn_id", turn.toString()).put("conversation_id", conversationId)
        .put("user_message", userMessage).put("resumable", logComplete);
    TurnLog.Event event = next("turn", data);
    // Not waiting for the cancel address's cluster registration: a turn does not start later for it.
    return consumer.completion().compose(registered -> {
      relay(new JsonObject().put("turn", data).put("n", event.n()), null);
      return Future.succeededFuture();
    });
  }

  /** A piece from the model: {delta: text}, or {tool_call: {index, id, name, arguments}}. */
  private void delta(Message<JsonObject> fromModel) {
    JsonObject toolCall = fromModel.body().getJsonObject("tool_call");
    if (toolCall != null) {
      TurnLog.Event event = next("tool_call", toolCall);
      relay(new JsonObject().put("tool_call", toolCall).put("n", event.n()), fromModel);
      return;
    }
    String text = fromModel.body().getString("delta");
    TurnLog.Event event = next("delta", new JsonObject().put("content", text));
    relay(new JsonObject().put("delta", text).put("n", event.n()), fromModel);
  }

  /** To the caller while it listens; the model's delta is acked after the caller's ack, or failed to cancel. */
  private void relay(JsonObject message, Message<JsonObject> fromModel) {
    if (!attached) {
      if (fromModel != null) {
        answer(fromModel, true);
      }
      return;
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(stallMs)
        .setLocalOnly(InternalAddresses.isLocalStream(caller));
    vertx.eventBus().request(caller, message, options).onComplete(ar -> {
      boolean callerCancelled = ar.failed() && !gone(ar.cause());
      if (ar.failed()) {
        attached = false;
      }
      if (fromModel == null) {
        return;
      }
      answer(fromModel, ar.succeeded() || (logComplete && !callerCancelled));
    });
  }

  /**
   * Acks the model's delta to go on, or fails it to cancel the call. Every delta the relay got is
   * shown and logged either way, so the stream holds exactly the text that is stored.
   */
  private void answer(Message<JsonObject> fromModel, boolean goOn) {
    if (goOn && !cancelled) {
      fromModel.reply(null);
    } else {
      fromModel.fail(cancelled ? 499 : 410, cancelled ? "the turn was cancelled" : "the caller is gone");
    }
  }

  /**
   * A caller that is gone (no handler, no ack in time, or a delta failed with 410 as an HTTP stream
   * does when its client disconnects) may come back; any other failure is the caller cancelling.
   */
  private static boolean gone(Throwable failure) {
    return !(failure instanceof ReplyException e) || e.failureType() != ReplyFailure.RECIPIENT_FAILURE
        || e.failureCode() == 410;
  }

  /**
   * Whether this node may store the turn's answer: true unless another node took the turn over
   * (its heartbeat had stopped). Without a log, or when Redis does not answer, nobody else can
   * have taken it over through the log, so this node stores it.
   */
  Future<Boolean> settle() {
    return log.filter(l -> logComplete).map(l -> l.settle(turn).otherwise(true)).orElse(Future.succeededFuture(true));
  }

  /**
   * The last event ({@code message} or {@code error}), also to the caller, so that its stream
   * holds the whole turn; stops the heartbeat and the consumer.
   */
  void finish(String name, JsonObject data) {
    TurnLog.Event event = next(name, data);
    relay(new JsonObject().put(name, data).put("n", event.n()), null);
    if (beat >= 0) {
      vertx.cancelTimer(beat);
    }
    if (consumer != null) {
      consumer.unregister();
      cancels.unregister();
    }
  }

  private TurnLog.Event next(String name, JsonObject data) {
    TurnLog.Event event = new TurnLog.Event(++n, name, data);
    if (log.isPresent() && logComplete) {
      pending.add(event);
      flush();
    }
    return event;
  }

  private void flush() {
    if (writing || pending.isEmpty() || log.isEmpty()) {
      return;
    }
    writing = true;
    List<TurnLog.Event> batch = new ArrayList<>(pending);
    pending.clear();
    log.get().append(turn, owner, batch).onComplete(ar -> {
      writing = false;
      if (ar.failed()) {
        // A gap in the log: it can no longer replay this turn, so a caller that leaves cancels it.
        logComplete = false;
        pending.clear();
        return;
      }
      flush();
    });
  }
}
