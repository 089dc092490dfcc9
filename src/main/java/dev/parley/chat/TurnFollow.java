package dev.parley.chat;

import dev.parley.bus.BusEndpoint;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import dev.parley.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * parley.internal.turns.follow: a streamed turn followed again from its turn log, on any node —
 * what an SSE client gets when it reconnects with Last-Event-ID. Sends every event after
 * {@code after} to the stream address (each acked), then waits for more until the turn's last
 * event; the reply comes after it. When the node running the turn has stopped beating, this node
 * takes the turn over: it stores the answer so far (the deltas in the log) as an interrupted
 * message and ends the turn with it. Without a turn log, the turn cannot be followed: 410, with
 * the answer that was stored, if any.
 */
final class TurnFollow {

  private static final long POLL_MS = 100;
  private static final int PAGE = 200;

  private final Vertx vertx;
  private final Optional<TurnLog> log;
  private final long stallMs;

  TurnFollow(Vertx vertx, Optional<TurnLog> log, long stallMs) {
    this.vertx = vertx;
    this.log = log;
    this.stallMs = stallMs;
  }

  Future<Reply> follow(BusCalls bus, BusEndpoint.Request r) {
    UUID turn = turnId(r.body().getValue("turn_id"));
    Object after = r.body().getValue("after", 0);
    if (!(after instanceof Number n) || n.longValue() < 0) {
      throw Problem.invalid("/after", "after must be a whole number from 0");
    }
    String target = r.header(BusHeaders.STREAM_ADDRESS);
    if (target == null) {
      throw Problem.badRequest("The stream-address header is required");
    }
    if (log.isEmpty()) {
      return gone(bus, turn, "No turn log is kept (no Redis): this turn cannot be followed again");
    }
    Promise<Reply> done = Promise.promise();
    new Session(bus, turn, target, ((Number) after).longValue(), done).poll();
    return done.future();
  }

  private static UUID turnId(Object value) {
    try {
      return UUID.fromString((String) value);
    } catch (RuntimeException e) {
      throw Problem.invalid("/turn_id", "turn_id must be a UUID");
    }
  }

  /** 410 with the turn's stored answer, or 404 when the turn is not the user's. */
  private static Future<Reply> gone(BusCalls bus, UUID turn, String why) {
    return bus.request(InternalAddresses.TURN_ANSWER, new JsonObject().put("turn_id", turn.toString()))
        .compose(stored -> Future.failedFuture(new Problem(ProblemType.TURN_GONE, why, null, stored.body())));
  }

  private final class Session {
    private final BusCalls bus;
    private final UUID turn;
    private final String target;
    private final Promise<Reply> done;
    private long after;
    private boolean seenAny;

    Session(BusCalls bus, UUID turn, String target, long after, Promise<Reply> done) {
      this.bus = bus;
      this.turn = turn;
      this.target = target;
      this.after = after;
      this.done = done;
    }

    void poll() {
      log.get().read(turn, after, PAGE).onComplete(ar -> {
        if (ar.failed()) {
          done.fail(Problem.unavailable("The turn log is not answering; follow the turn again"));
          return;
        }
        TurnLog.Page page = ar.result();
        if (page.owner().isEmpty() && page.events().isEmpty()) {
          if (seenAny) {
            done.fail(Problem.unavailable("The turn log expired while it was followed"));
          } else {
            gone(bus, turn, "This turn is no longer kept; its stored answer, if any, is in this problem")
                .onFailure(done::fail);
          }
          return;
        }
        if (!page.owner().equals(bus.owner())) {
          done.fail(Problem.notFound("The turn"));
          return;
        }
        seenAny = true;
        send(page.events(), 0).onComplete(sent -> {
          if (sent.failed()) {
            done.fail(Problem.badRequest("The follower went away"));
          } else if (sent.result()) {
            done.complete(Reply.ok(new JsonObject().put("turn_id", turn.toString()).put("last", after)));
          } else if (!page.events().isEmpty()) {
            poll();
          } else if (!page.alive()) {
            takeOver();
          } else {
            vertx.setTimer(POLL_MS, t -> poll());
          }
        });
      });
    }

    /** Sends events from index i on; true once the turn's last event was sent. */
    private Future<Boolean> send(List<TurnLog.Event> events, int i) {
      if (i >= events.size()) {
        return Future.succeededFuture(false);
      }
      TurnLog.Event event = events.get(i);
      JsonObject message = switch (event.name()) {
        case "delta" -> new JsonObject().put("delta", event.data().getString("content"));
        default -> new JsonObject().put(event.name(), event.data());
      };
      message.put("n", event.n());
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(stallMs)
          .setLocalOnly(InternalAddresses.isLocalStream(target));
      return vertx.eventBus().request(target, message, options).compose(acked -> {
        after = event.n();
        return event.last() ? Future.succeededFuture(true) : send(events, i + 1);
      });
    }

    /**
     * The turn's node stopped beating before the turn ended: the first follower to settle the turn
     * stores the answer so far as interrupted and logs the end; the others read that end.
     */
    private void takeOver() {
      TurnLog turns = log.get();
      turns.settle(turn).onComplete(settled -> {
        if (settled.failed() || !settled.result()) {
          vertx.setTimer(POLL_MS, t -> poll());
          return;
        }
        readAll(turns, 0, new ArrayList<>()).compose(events -> {
          JsonObject started = events.isEmpty() ? null : events.get(0).data();
          long last = events.isEmpty() ? 0 : events.get(events.size() - 1).n();
          String partial = TurnLog.partialAnswer(events);
          if (started == null || partial.isEmpty()) {
            Problem problem = Problem.unavailable("The node running this turn stopped before the model answered; ask again");
            return turns.append(turn, bus.owner(), List.of(new TurnLog.Event(last + 1, "error", problem.toJson())));
          }
          JsonObject answer = new JsonObject().put("role", "assistant").put("content", partial).put("status", "interrupted");
          JsonObject append = new JsonObject().put("conversation_id", started.getString("conversation_id"))
              .put("messages", new JsonArray().add(answer));
          if (!turn.toString().equals(started.getJsonObject("user_message").getString("id"))) {
            append.put("answer_id", turn.toString()); // a regenerate's answer carries its turn's id
          }
          return bus.request(InternalAddresses.TURN_APPEND, append)
              .compose(stored -> {
                JsonObject end = new JsonObject().put("conversation_id", started.getString("conversation_id"))
                    .put("user_message", started.getJsonObject("user_message"))
                    .put("message", stored.body().getJsonArray("data").getJsonObject(0))
                    .put("usage", null).put("context", null).put("tool_calls", null);
                return turns.append(turn, bus.owner(), List.of(new TurnLog.Event(last + 1, "message", end)));
              });
        }).onComplete(ended -> {
          if (ended.failed()) {
            done.fail(ended.cause() instanceof Problem p ? p : Problem.unavailable("The turn could not be taken over"));
          } else {
            poll();
          }
        });
      });
    }

    private Future<List<TurnLog.Event>> readAll(TurnLog turns, long from, List<TurnLog.Event> into) {
      return turns.read(turn, from, PAGE).compose(page -> {
        into.addAll(page.events());
        return page.events().size() < PAGE ? Future.succeededFuture(into)
            : readAll(turns, page.events().get(page.events().size() - 1).n(), into);
      });
    }
  }
}
