package dev.parley.store;

import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A conversation's branches (see V12): a branch is a chain of messages growing at its tip; branch
 * 0 starts at the root, any other after a message of its parent branch. The path of a branch is
 * its own messages and its ancestors' up to each fork: a few (branch, last seq) segments, never a
 * walk over messages. The current branch's path is marked in the messages themselves (off_path),
 * so reads of the current path cost what they cost before branches; a switch flips the marks only
 * after the point where the two paths part.
 */
final class Branches {

  private final Pool pool;

  Branches(Pool pool) {
    this.pool = pool;
  }

  /** A branch's parent and the seq of the message it starts after (0: the root). */
  record Fork(int parent, long seq) {
  }

  /** The branches of a conversation other than 0. */
  private static Future<Map<Integer, Fork>> forks(SqlConnection connection, UUID conversationId) {
    return connection.preparedQuery(SqlQueries.branchesOf()).execute(Tuple.of(conversationId)).map(rows -> {
      Map<Integer, Fork> forks = new HashMap<>();
      for (Row row : rows) {
        forks.put(row.getInteger("branch"), new Fork(row.getInteger("parent_branch"), row.getLong("fork_seq")));
      }
      return forks;
    });
  }

  /** The path of {@code branch} up to seq {@code upTo} on it: branch to last seq on the path, newest branch first. */
  static Map<Integer, Long> path(Map<Integer, Fork> forks, int branch, long upTo) {
    Map<Integer, Long> path = new LinkedHashMap<>();
    int current = branch;
    long max = upTo;
    while (true) {
      path.put(current, max);
      if (current == 0) {
        return path;
      }
      Fork fork = forks.get(current);
      max = fork.seq();
      current = fork.parent();
    }
  }

  /** The highest seq up to which two paths hold the same messages: only later messages can change sides. */
  static long parting(Map<Integer, Fork> forks, Map<Integer, Long> a, Map<Integer, Long> b) {
    long parting = Long.MAX_VALUE;
    Set<Integer> all = new HashSet<>(a.keySet());
    all.addAll(b.keySet());
    for (int branch : all) {
      Long x = a.get(branch);
      Long y = b.get(branch);
      if (x != null && x.equals(y)) {
        continue;
      }
      long from = x != null && y != null ? Math.min(x, y) : branch == 0 ? 0 : forks.get(branch).seq();
      parting = Math.min(parting, from);
    }
    return parting;
  }

  private static Tuple withPath(Tuple tuple, Map<Integer, Long> path) {
    Integer[] branches = path.keySet().toArray(new Integer[0]);
    Long[] seqs = path.values().toArray(new Long[0]);
    return tuple.addArrayOfInteger(branches).addArrayOfLong(seqs);
  }

  /**
   * Makes {@code branch} current in a transaction that holds the conversation's row lock: flips
   * the marks after the paths part and sets the counters; answers the conversation.
   */
  private static Future<JsonObject> switchTo(SqlConnection tx, UUID conversationId, Map<Integer, Fork> forks,
                                             int from, int branch) {
    Map<Integer, Long> now = path(forks, from, Long.MAX_VALUE);
    Map<Integer, Long> next = path(forks, branch, Long.MAX_VALUE);
    long parting = parting(forks, now, next);
    Tuple params = withPath(Tuple.of(conversationId, parting == Long.MAX_VALUE ? Long.MAX_VALUE : parting), next)
        .addInteger(branch);
    return tx.preparedQuery(SqlQueries.switchBranch()).execute(params).map(rows -> Rows.conversation(rows.iterator().next()));
  }

  /** The locked conversation row, or 404; a cold one asks to be warmed first. */
  private static Future<Row> lock(SqlConnection tx, String owner, UUID conversationId) {
    return tx.preparedQuery(SqlQueries.lockForBranch()).execute(Tuple.of(conversationId, owner)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(Problem.notFound("The conversation"));
      }
      Row row = rows.iterator().next();
      return row.getBoolean("cold") ? Future.failedFuture(new ColdConversation(conversationId)) : Future.succeededFuture(row);
    });
  }

  private static Future<Row> place(SqlConnection connection, UUID conversationId, UUID messageId) {
    return connection.preparedQuery(SqlQueries.messagePlace()).execute(Tuple.of(conversationId, messageId))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(Problem.invalid("/message_id", "message_id must be a message of this conversation"))
            : Future.succeededFuture(rows.iterator().next()));
  }

  /**
   * parley.conversations.branches.create: the conversation continues after {@code messageId} on a
   * branch of its own, which becomes current (what follows the message on the old path leaves the
   * history and the context; nothing is deleted). When the message is already the current path's
   * newest, or the current branch is still empty and starts after it (a retry), nothing changes.
   * Reply: {branch, created, conversation}.
   */
  Future<JsonObject> branchAfter(String owner, UUID conversationId, UUID messageId) {
    return pool.withTransaction(tx -> lock(tx, owner, conversationId).compose(head -> place(tx, conversationId, messageId)
        .compose(at -> forks(tx, conversationId).compose(forks -> {
          int current = head.getInteger("current_branch");
          long seq = at.getLong("seq");
          int parentBranch = at.getInteger("branch");
          return tx.preparedQuery(SqlQueries.pathTip()).execute(Tuple.of(conversationId, current)).compose(tips -> {
            Row tip = tips.iterator().next();
            Fork currentFork = forks.get(current);
            boolean atTip = !at.getBoolean("off_path") && Long.valueOf(seq).equals(tip.getLong("tip"));
            boolean emptyAfterIt = current != 0 && !tip.getBoolean("branch_used") && currentFork != null
                && currentFork.parent() == parentBranch && currentFork.seq() == seq;
            if (atTip || emptyAfterIt) {
              return tx.preparedQuery(SqlQueries.getConversation()).execute(Tuple.of(conversationId, owner))
                  .map(rows -> new JsonObject().put("branch", current).put("created", false)
                      .put("conversation", Rows.conversation(rows.iterator().next())));
            }
            int branch = head.getInteger("branch_count");
            forks.put(branch, new Fork(parentBranch, seq));
            return tx.preparedQuery(SqlQueries.insertBranch()).execute(Tuple.of(conversationId, branch, parentBranch, seq))
                .compose(v -> switchTo(tx, conversationId, forks, current, branch))
                .map(conversation -> new JsonObject().put("branch", branch).put("created", true)
                    .put("conversation", conversation));
          });
        }))));
  }

  /** PATCH current_branch: the conversation follows {@code branch}; 400 for a branch it does not have. */
  Future<JsonObject> select(String owner, UUID conversationId, int branch) {
    return pool.withTransaction(tx -> lock(tx, owner, conversationId).compose(head -> {
      if (branch < 0 || branch >= head.getInteger("branch_count")) {
        return Future.failedFuture(Problem.invalid("/current_branch", "current_branch must be one of the conversation's branches"));
      }
      return forks(tx, conversationId).compose(forks -> switchTo(tx, conversationId, forks, head.getInteger("current_branch"), branch));
    }));
  }

  /**
   * parley.conversations.branches.list: {object: list, current_branch, data: [{branch,
   * parent_branch, fork_message_id, fork_seq, first_message_id, last_message_id, created_at}]} — every branch with where it starts, so a client can show the alternatives at
   * each fork (branches with the same fork_message_id).
   */
  Future<Reply> list(String owner, UUID conversationId) {
    return pool.withConnection(c -> c.preparedQuery(SqlQueries.getConversation()).execute(Tuple.of(conversationId, owner))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(Problem.notFound("The conversation"));
          }
          int current = rows.iterator().next().getInteger("current_branch");
          return c.preparedQuery(SqlQueries.branchSummaries()).execute(Tuple.of(conversationId)).map(branches -> {
            JsonArray data = new JsonArray();
            for (Row b : branches) {
              data.add(new JsonObject()
                  .put("object", "branch")
                  .put("branch", b.getInteger("branch"))
                  .put("parent_branch", b.getInteger("parent_branch"))
                  .put("fork_seq", b.getLong("fork_seq"))
                  .put("fork_message_id", b.getUUID("fork_message_id") == null ? null : b.getUUID("fork_message_id").toString())
                  .put("first_message_id", b.getUUID("first_message_id") == null ? null : b.getUUID("first_message_id").toString())
                  .put("last_message_id", b.getUUID("last_message_id") == null ? null : b.getUUID("last_message_id").toString())
                  .put("created_at", b.getOffsetDateTime("created_at") == null ? null : Rows.timestamp(b.getOffsetDateTime("created_at"))));
            }
            return Reply.ok(new JsonObject().put("object", "list").put("current_branch", current).put("data", data));
          });
        }));
  }

  /**
   * A history page along {@code branch}'s path (GET …/messages?branch=): seq strictly between
   * {@code lower} and {@code upper}; 400 for a branch the conversation does not have.
   */
  Future<RowSet<Row>> page(UUID conversationId, int branch, long lower, long upper, boolean descending, int limit) {
    return pool.withConnection(c -> forks(c, conversationId).compose(forks -> {
      if (branch != 0 && !forks.containsKey(branch)) {
        return Future.failedFuture(Problem.invalid("/branch", "branch must be one of the conversation's branches"));
      }
      Tuple params = withPath(Tuple.of(conversationId, lower, upper), path(forks, branch, Long.MAX_VALUE)).addInteger(limit);
      return c.preparedQuery(SqlQueries.pathMessages(descending)).execute(params);
    }));
  }

  /**
   * parley.conversations.fork: a new conversation holding the path up to {@code messageId} (its
   * visible messages, renumbered from 1, new ids), recording where it came from. Reply: the new
   * conversation (201).
   */
  Future<JsonObject> fork(String owner, UUID conversationId, UUID messageId) {
    UUID id = UUID.randomUUID();
    return pool.withTransaction(tx -> tx.preparedQuery(SqlQueries.getConversation()).execute(Tuple.of(conversationId, owner))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(Problem.notFound("The conversation"));
          }
          Row source = rows.iterator().next();
          if (source.getBoolean("cold")) {
            return Future.failedFuture(new ColdConversation(conversationId));
          }
          return place(tx, conversationId, messageId).compose(at -> forks(tx, conversationId).compose(forks -> {
            Map<Integer, Long> path = path(forks, at.getInteger("branch"), at.getLong("seq"));
            Tuple params = withPath(Tuple.of(conversationId, 0L, at.getLong("seq") + 1), path).addInteger(Integer.MAX_VALUE);
            return tx.preparedQuery(SqlQueries.pathMessages(false)).execute(params);
          })).compose(messages -> tx.preparedQuery(SqlQueries.insertFork()).execute(Tuple.of(id, owner,
                  source.getString("title"), source.getValue("metadata"), conversationId, messageId))
              .compose(inserted -> copy(tx, id, messages)));
        }));
  }

  private static Future<JsonObject> copy(SqlConnection tx, UUID id, RowSet<Row> messages) {
    List<Tuple> batch = new ArrayList<>(messages.size());
    long seq = 0;
    long tokens = 0;
    for (Row m : messages) {
      seq++;
      tokens += m.getInteger("token_count");
      batch.add(Tuple.from(new Object[] {id, seq, UUID.randomUUID(), m.getString("role"), m.getString("content"),
          m.getInteger("token_count"), m.getString("model"), m.getValue("sources"), m.getValue("metadata"),
          m.getValue("tool_calls"), m.getString("status"), m.getString("selected_text"), m.getOffsetDateTime("created_at"),
          m.getString("tool_call_id"), 0, false}));
    }
    Future<?> inserted = batch.isEmpty() ? Future.succeededFuture()
        : tx.preparedQuery(SqlQueries.restoreMessage()).executeBatch(batch);
    long count = seq;
    long total = tokens;
    return inserted.compose(v -> tx.preparedQuery(SqlQueries.forkCounters()).execute(Tuple.of(id, count, total)))
        .map(rows -> Rows.conversation(rows.iterator().next()));
  }
}
