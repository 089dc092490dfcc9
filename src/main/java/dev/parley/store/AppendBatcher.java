package dev.parley.store;

import dev.parley.bus.Addresses;
import dev.parley.bus.NewMessage;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Group commit for appends (docs/architecture.md, "Ordering of appends"). Appends that arrive while
 * this verticle's previous batch is being written wait for it to return and then share one
 * transaction: one reservation statement for all their conversations, one pipelined insert of all
 * their messages, one COMMIT and so one WAL flush. Nobody waits on a timer: an append that finds no
 * batch running is written at once.
 * <p>
 * Each append is validated and counted before it is queued. A conversation that is not the
 * caller's fails only its own append. When a statement of the batch fails, the transaction has
 * rolled back and nothing of it is stored, so each append is run again on its own, exactly as
 * without batching; a failed COMMIT (whose outcome is unknown) fails the batch's appends, as it
 * would fail one append. Appends with an Idempotency-Key claim and complete their key in the batch's
 * transaction, so the claim commits with the write or vanishes with it; two appends with the same
 * key never share a batch. Confined to its verticle's event loop.
 */
final class AppendBatcher {

  /** What one append got: its reply, and the {conversation, messages} it wrote (null for a replay). */
  record Appended(Reply reply, JsonObject written) {
  }

  /** One queued append. */
  private static final class Pending {
    final String owner;
    final UUID conversationId;
    final List<NewMessage> messages;
    final String key;
    final String hash;
    final Promise<Appended> done = Promise.promise();
    Appended result;
    Problem refused;

    Pending(String owner, UUID conversationId, List<NewMessage> messages, String key, String hash) {
      this.owner = owner;
      this.conversationId = conversationId;
      this.messages = messages;
      this.key = key;
      this.hash = hash;
    }

    String operation() {
      return Addresses.MESSAGES_APPEND + ":" + conversationId;
    }
  }

  /** The appends of one batch to one conversation, and the seqs they were given. */
  private static final class Target {
    final UUID conversationId;
    final String owner;
    int count;
    long tokens;
    String title;
    JsonObject conversation;
    long nextSeq;

    Target(UUID conversationId, String owner) {
      this.conversationId = conversationId;
      this.owner = owner;
    }
  }

  private final Pool pool;
  private final MessageStore messages;
  private final IdempotentWrites idempotent;
  private final int maxBatch;
  private final int maxInFlight;
  private final ParleyMetrics metrics;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param maxBatch    the most appends one transaction takes
   * @param maxInFlight how many batches this verticle writes at once (each holds a connection)
   */
  AppendBatcher(Pool pool, MessageStore messages, IdempotentWrites idempotent, int maxBatch, int maxInFlight,
                ParleyMetrics metrics) {
    this.metrics = metrics;
    this.pool = pool;
    this.messages = messages;
    this.idempotent = idempotent;
    this.maxBatch = Math.max(1, maxBatch);
    this.maxInFlight = Math.max(1, maxInFlight);
  }

  /** Appends counted messages; answered once they are committed (or refused). */
  Future<Appended> append(String owner, UUID conversationId, List<NewMessage> counted, String key, String hash) {
    if (key != null && (hash == null || hash.isEmpty())) {
      return Future.failedFuture(Problem.badRequest("An idempotency key needs the request hash header"));
    }
    Pending pending = new Pending(owner, conversationId, counted, key, hash);
    queue.add(pending);
    flush();
    return pending.done.future();
  }

  private void flush() {
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      List<Pending> batch = take();
      inFlight++;
      Future<Void> written = batch.size() == 1 ? alone(batch.get(0)).onSuccess(v -> metrics.appendBatch(1))
          : together(batch);
      written.onComplete(ar -> {
        inFlight--;
        flush();
      });
    }
  }

  /** The next batch in arrival order; an append whose key is already in it waits for the next one. */
  private List<Pending> take() {
    List<Pending> batch = new ArrayList<>(Math.min(maxBatch, queue.size()));
    Set<String> keys = new HashSet<>();
    for (Iterator<Pending> it = queue.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
      Pending p = it.next();
      if (p.key == null || keys.add(p.owner + '\n' + p.key)) {
        batch.add(p);
        it.remove();
      }
    }
    return batch;
  }

  /** One append in its own transaction: the path every append took before batching. */
  private Future<Void> alone(Pending p) {
    Future<Appended> appended = idempotent.run(p.owner, p.key, p.hash, p.operation(),
        tx -> messages.append(tx, p.owner, p.conversationId, p.messages).map(written -> {
          p.result = new Appended(Reply.created(MessageStore.listOf(written)), written);
          return p.result.reply();
        }))
        .map(reply -> reply.replayed() ? new Appended(reply, null) : p.result);
    appended.onComplete(p.done::tryComplete, p.done::tryFail);
    return appended.<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  private Future<Void> together(List<Pending> batch) {
    return pool.getConnection().compose(conn -> conn.begin().compose(tx -> write(conn, batch).transform(ar -> {
      if (ar.failed()) {
        return tx.rollback().transform(rolledBack -> {
          if (ar.cause() instanceof Problem || ar.cause() instanceof PgException) {
            // The server refused a statement, or an append its key: nothing of the batch is stored.
            metrics.appendBatchSplit();
            return Future.join(batch.stream().map(this::alone).toList()).<Void>mapEmpty();
          }
          fail(batch, ar.cause());
          return Future.<Void>succeededFuture();
        });
      }
      return tx.commit().transform(committed -> {
        if (committed.failed()) {
          fail(batch, committed.cause());
        } else {
          metrics.appendBatch(batch.size());
          for (Pending p : batch) {
            if (p.refused != null) {
              p.done.fail(p.refused);
            } else {
              p.done.complete(p.result);
            }
          }
        }
        return Future.<Void>succeededFuture();
      });
    })).eventually(conn::close)).recover(e -> {
      // No connection (or BEGIN failed): nothing was written.
      fail(batch, e);
      return Future.succeededFuture();
    });
  }

  private static void fail(List<Pending> batch, Throwable cause) {
    batch.forEach(p -> p.done.tryFail(cause));
  }

  /** Claims the batch's keys, reserves the seqs of every conversation at once, inserts every message, completes the keys. */
  private Future<Void> write(SqlConnection tx, List<Pending> batch) {
    Future<Void> claimed = Future.succeededFuture();
    for (Pending p : batch) {
      if (p.key != null) {
        claimed = claimed.compose(v -> idempotent.claimIn(tx, p.owner, p.key, p.hash, p.operation()).map(replay -> {
          p.result = replay == null ? null : new Appended(replay, null);
          return null;
        }));
      }
    }
    return claimed.compose(v -> {
      List<Pending> writers = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        if (p.result == null) {
          writers.add(p);
        }
      }
      return writers.isEmpty() ? Future.succeededFuture() : reserve(tx, writers).compose(targets ->
          insert(tx, writers, targets));
    }).compose(v -> {
      Future<Void> completed = Future.succeededFuture();
      for (Pending p : batch) {
        if (p.key != null && p.result.written() != null) {
          completed = completed.compose(w -> idempotent.complete(tx, p.owner, p.key, null, p.result.reply()).mapEmpty());
        }
      }
      return completed;
    });
  }

  /** One reservation for every conversation of the batch, locked in one order. */
  private Future<Map<Pending, Target>> reserve(SqlConnection tx, List<Pending> writers) {
    Map<String, Target> byConversation = new LinkedHashMap<>();
    Map<Pending, Target> targets = new HashMap<>();
    for (Pending p : writers) {
      Target t = byConversation.computeIfAbsent(p.conversationId + "\n" + p.owner, k -> new Target(p.conversationId, p.owner));
      t.count += p.messages.size();
      t.tokens += MessageStore.tokens(p.messages);
      if (t.title == null) {
        t.title = Titles.fromMessages(p.messages);
      }
      targets.put(p, t);
    }
    List<Target> sorted = new ArrayList<>(byConversation.values());
    sorted.sort((a, b) -> a.conversationId.compareTo(b.conversationId));
    int n = sorted.size();
    UUID[] ids = new UUID[n];
    String[] owners = new String[n];
    Integer[] counts = new Integer[n];
    Long[] tokens = new Long[n];
    String[] titles = new String[n];
    for (int i = 0; i < n; i++) {
      Target t = sorted.get(i);
      ids[i] = t.conversationId;
      owners[i] = t.owner;
      counts[i] = t.count;
      tokens[i] = t.tokens;
      titles[i] = t.title;
    }
    return tx.preparedQuery(SqlQueries.reserveSeqsBatch()).execute(Tuple.of(ids, owners, counts, tokens, titles))
        .map(rows -> {
          for (Row row : rows) {
            Target t = sorted.get(row.getLong("ord").intValue() - 1);
            t.conversation = Rows.conversation(row);
            t.nextSeq = row.getLong("last_seq") - t.count + 1;
          }
          return targets;
        });
  }

  /** Every message of the batch in one pipelined insert; an append to a conversation that is not its caller's is refused alone. */
  private Future<Void> insert(SqlConnection tx, List<Pending> writers, Map<Pending, Target> targets) {
    List<Tuple> rows = new ArrayList<>();
    List<Pending> inserting = new ArrayList<>(writers.size());
    for (Pending p : writers) {
      Target t = targets.get(p);
      if (t.conversation == null) {
        if (p.key != null) {
          // Its claim would commit with the batch: run it again on its own, where the refusal rolls it back.
          return Future.failedFuture(Problem.notFound("The conversation"));
        }
        p.refused = Problem.notFound("The conversation");
        continue;
      }
      for (NewMessage m : p.messages) {
        rows.add(MessageStore.row(p.conversationId, t.nextSeq++, m, t.conversation.getInteger("current_branch")));
      }
      inserting.add(p);
    }
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(SqlQueries.insertMessage()).executeBatch(rows).map(inserted -> {
      RowSet<Row> next = inserted;
      for (Pending p : inserting) {
        JsonArray written = new JsonArray();
        for (int i = 0; i < p.messages.size(); i++, next = next.next()) {
          written.add(Rows.message(next.iterator().next()));
        }
        JsonObject appended = new JsonObject().put("conversation", targets.get(p).conversation).put("messages", written);
        p.result = new Appended(Reply.created(MessageStore.listOf(appended)), appended);
      }
      return null;
    });
  }
}
