package dev.parley.store;

import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Problem;
import dev.parley.bus.Replies.ConversationEvent;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Live conversation events. After each commit the store publishes what changed on the
 * conversation's events address, cluster-wide; a follow (parley.conversations.follow) listens
 * there and sends its follower every committed message exactly once and in seq order.
 *
 * <p>Published events only say what is new: PostgreSQL stays the truth. A follow subscribes before
 * it reads, remembers the last seq it has queued, and reads the messages after it from the
 * database whenever an event does not continue that seq (a catch-up on start, a lost or reordered
 * publish, a node that died between its commit and its publish, a follower too slow for the live
 * pace). While idle it pings the follower and checks the conversation's last seq, so a missed
 * last event is delivered within one keep-alive period.
 */
final class ConversationFeed {

  private static final Logger LOG = LoggerFactory.getLogger(ConversationFeed.class);
  /** Messages read from the database per catch-up query, and events queued ahead of the follower at most. */
  static final int BATCH = 100;

  private final Vertx vertx;
  private final Pool pool;
  private final long keepAliveMs;
  private final long ackTimeoutMs;
  private final Set<Follow> follows = new HashSet<>();

  ConversationFeed(Vertx vertx, Pool pool, long keepAliveMs, long ackTimeoutMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.keepAliveMs = keepAliveMs;
    this.ackTimeoutMs = ackTimeoutMs;
  }

  static String address(UUID conversationId) {
    return InternalAddresses.EVENTS_PREFIX + conversationId;
  }

  /** Messages committed to a conversation, with the conversation as the same commit left it. */
  void appended(JsonObject conversation, JsonArray messages) {
    publish(UUID.fromString(conversation.getString("id")),
        new JsonObject().put("conversation", conversation).put("messages", messages));
  }

  void changed(JsonObject conversation) {
    publish(UUID.fromString(conversation.getString("id")), new JsonObject().put("conversation", conversation));
  }

  void deleted(UUID conversationId) {
    publish(conversationId, new JsonObject().put("deleted", true));
  }

  private void publish(UUID conversationId, JsonObject event) {
    vertx.eventBus().publish(address(conversationId), event);
  }

  /**
   * Starts a follow: subscribes, then checks the conversation is the owner's (404 otherwise) and
   * that after_seq is not past its last message (400), and answers with the conversation. The
   * events go to {@code target} from then on, one at a time, each acknowledged.
   */
  Future<Reply> follow(String owner, Requests.FollowConversation request, String target) {
    if (target == null || target.isEmpty()) {
      throw Problem.badRequest("The stream-address header is required: the address the events are sent to");
    }
    UUID id = request.conversationId();
    Follow follow = new Follow(owner, id, target, request.afterSeq());
    return follow.consumer.completion()
        .compose(subscribed -> head(owner, id))
        .compose(head -> {
          if (head == null) {
            return Future.failedFuture(Problem.notFound("The conversation"));
          }
          if (request.afterSeq() > head.getLong("last_seq")) {
            return Future.failedFuture(Problem.invalid("/after_seq",
                "after_seq is past the conversation's last message (" + head.getLong("last_seq") + ")"));
          }
          JsonObject conversation = Rows.conversation(head);
          follow.start(conversation, head.getLong("last_seq"));
          return Future.succeededFuture(Reply.ok(conversation));
        })
        .onFailure(e -> follow.close());
  }

  /** The node stops: each follower is told, so it follows again elsewhere. */
  void stop() {
    for (Follow follow : Set.copyOf(follows)) {
      follow.end(new ConversationEvent.Ended(Problem.unavailable("The node is stopping; follow again from the last seq")));
    }
  }

  /** The conversation's row with its last seq; null when it is not the owner's or is deleted. */
  private Future<Row> head(String owner, UUID id) {
    return pool.preparedQuery(SqlQueries.followHead()).execute(Tuple.of(id, owner))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** One follower. Runs on the store verticle's event loop; no locks. */
  private final class Follow {
    private final String owner;
    private final UUID id;
    private final String target;
    private final MessageConsumer<JsonObject> consumer;
    private final ArrayDeque<JsonObject> outbox = new ArrayDeque<>();
    /** The highest seq queued for the follower; every seq up to it is queued or sent, once. */
    private long lastSeq;
    private JsonObject lastConversation;
    private boolean started;
    private boolean sending;
    private boolean reading;
    /** Something newer than lastSeq is known to exist (a gap, or events arrived during a read). */
    private boolean behind;
    /** The last event is queued (deleted, or the node stops): nothing else is. */
    private boolean ending;
    /** Deleted before the follow started: it ends as soon as it starts. */
    private boolean deletedEarly;
    private boolean closed;
    private long timer = -1;

    Follow(String owner, UUID id, String target, long afterSeq) {
      this.owner = owner;
      this.id = id;
      this.target = target;
      this.lastSeq = afterSeq;
      this.consumer = vertx.eventBus().consumer(address(id), message -> live(message.body()));
    }

    void start(JsonObject conversation, long headSeq) {
      started = true;
      lastConversation = conversation;
      follows.add(this);
      timer = vertx.setPeriodic(keepAliveMs, t -> idle());
      if (deletedEarly) {
        end(new ConversationEvent.ConversationDeleted(id));
      } else if (headSeq > lastSeq) {
        behind = true;
        catchUp();
      }
    }

    private void live(JsonObject event) {
      if (closed || ending) {
        return;
      }
      JsonArray messages = event.getJsonArray("messages");
      if (messages != null) {
        for (int i = 0; i < messages.size(); i++) {
          message(messages.getJsonObject(i));
        }
      }
      JsonObject conversation = event.getJsonObject("conversation");
      if (conversation != null) {
        conversation(conversation);
      }
      if (event.containsKey("deleted")) {
        if (started) {
          end(new ConversationEvent.ConversationDeleted(id));
        } else {
          deletedEarly = true;
        }
      }
    }

    /** A live message: queued when it continues the seq; a gap (or a full queue) is read from the database. */
    private void message(JsonObject message) {
      long seq = message.getLong("seq");
      if (seq <= lastSeq) {
        return;
      }
      if (!started || reading || behind || seq != lastSeq + 1 || outbox.size() >= BATCH) {
        behind = true;
        catchUp();
        return;
      }
      queue(message);
    }

    private void queue(JsonObject message) {
      lastSeq = message.getLong("seq");
      outbox.add(new JsonObject().put("type", ConversationEvent.MessageCommitted.TYPE).put("message", message));
      pump();
    }

    /** A conversation event only when what a follower sees of it changed (not on every counter bump). */
    private void conversation(JsonObject conversation) {
      if (ending) {
        return;
      }
      if (lastConversation != null && visiblySame(lastConversation, conversation)) {
        return;
      }
      if (lastConversation != null && conversation.getString("updated_at", "")
          .compareTo(lastConversation.getString("updated_at", "")) < 0) {
        return;
      }
      lastConversation = conversation;
      if (started) {
        outbox.add(new JsonObject().put("type", ConversationEvent.ConversationChanged.TYPE).put("conversation", conversation));
        pump();
      }
    }

    private static boolean visiblySame(JsonObject a, JsonObject b) {
      return Objects.equals(a.getValue("title"), b.getValue("title"))
          && Objects.equals(a.getValue("metadata"), b.getValue("metadata"))
          && Objects.equals(a.getValue("archived"), b.getValue("archived"));
    }

    /** Reads what follows lastSeq from the database, while there is room ahead of the follower. */
    private void catchUp() {
      if (!started || reading || closed || ending || !behind || outbox.size() >= BATCH) {
        return;
      }
      reading = true;
      behind = false;
      int room = BATCH - outbox.size();
      pool.preparedQuery(SqlQueries.feedMessages())
          .execute(Tuple.of(id, lastSeq, room))
          .onComplete(ar -> {
            reading = false;
            if (closed || ending) {
              return;
            }
            if (ar.failed()) {
              LOG.warn("A follow could not read its conversation: {}", ar.cause().getClass().getSimpleName());
              end(new ConversationEvent.Ended(Problem.unavailable("The database is not answering; follow again")));
              return;
            }
            int read = 0;
            for (Row row : ar.result()) {
              read++;
              if (row.getLong("seq") != lastSeq + 1) {
                continue;
              }
              if (row.getBoolean("deleted")) {
                lastSeq++; // deleted since: its place is passed over, nothing is sent
              } else {
                queue(Rows.message(row));
              }
            }
            if (read == room) {
              behind = true;
            }
            catchUp();
          });
    }

    /** Nothing for a while: a ping (is the follower still there?) and a look at the conversation. */
    private void idle() {
      if (closed || ending) {
        return;
      }
      if (outbox.isEmpty() && !sending) {
        outbox.add(new ConversationEvent.Ping().toJson());
        pump();
      }
      head(owner, id).onComplete(ar -> {
        if (closed || ending || ar.failed()) {
          return;
        }
        Row head = ar.result();
        if (head == null) {
          end(new ConversationEvent.ConversationDeleted(id));
          return;
        }
        conversation(Rows.conversation(head));
        if (head.getLong("last_seq") > lastSeq) {
          behind = true;
          catchUp();
        }
      });
    }

    /** Sends the next event once the previous one is acknowledged; a failed or missing ack ends the follow. */
    private void pump() {
      if (sending || closed || outbox.isEmpty()) {
        return;
      }
      sending = true;
      JsonObject event = outbox.poll();
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(ackTimeoutMs)
          .setLocalOnly(InternalAddresses.isLocalStream(target));
      vertx.eventBus().request(target, event, options).onComplete(ar -> {
        sending = false;
        if (ar.failed()) {
          close();
          return;
        }
        String type = event.getString("type");
        if (ConversationEvent.ConversationDeleted.TYPE.equals(type) || ConversationEvent.Ended.TYPE.equals(type)) {
          close();
          return;
        }
        pump();
        catchUp();
      });
    }

    /** A last event, then the follow is over. */
    void end(ConversationEvent last) {
      if (closed || ending) {
        return;
      }
      ending = true;
      outbox.clear();
      outbox.add(last.toJson());
      behind = false;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      consumer.unregister();
      pump();
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      outbox.clear();
      follows.remove(this);
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      consumer.unregister();
    }
  }
}
