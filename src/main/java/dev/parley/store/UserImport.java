package dev.parley.store;

import dev.parley.bus.NewMessage;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.UUID;

/**
 * parley.users.import: the conversations of an export, in one transaction (all or nothing). A
 * conversation's id here is derived from the user and its id in the export, so importing the same
 * export again finds its conversations and skips them: an import is idempotent.
 */
final class UserImport {

  private final Pool pool;
  private final MessageTokens tokens;

  UserImport(Pool pool, MessageTokens tokens) {
    this.pool = pool;
    this.tokens = tokens;
  }

  /** The id an imported conversation gets: the same for the same user and export id, and for no one else. */
  static UUID idOf(String owner, String sourceId) {
    return UUID.nameUUIDFromBytes(("parley import\n" + owner + "\n" + sourceId).getBytes(StandardCharsets.UTF_8));
  }

  Future<Reply> run(String owner, Requests.ImportRecords records) {
    List<NewMessage> all = new ArrayList<>();
    records.conversations().forEach(c -> all.addAll(c.messages()));
    return tokens.count(all).compose(counted -> pool.withTransaction(tx -> {
      int[] totals = new int[3]; // imported, skipped, messages
      Future<Void> done = Future.succeededFuture();
      int from = 0;
      for (Requests.ImportRecords.ImportedConversation c : records.conversations()) {
        List<NewMessage> messages = counted.subList(from, from + c.messages().size());
        from += c.messages().size();
        done = done.compose(v -> insert(tx, owner, c, messages).map(inserted -> {
          if (inserted) {
            totals[0]++;
            totals[2] += messages.size();
          } else {
            totals[1]++;
          }
          return null;
        }));
      }
      return done.map(v -> Reply.ok(new JsonObject().put("object", "import").put("conversations_imported", totals[0])
          .put("conversations_skipped", totals[1]).put("messages_imported", totals[2])));
    }));
  }

  /** A branched conversation's branch rows, current branch and last seq (its exported seqs are kept). */
  private static Future<?> branches(SqlConnection tx, UUID id, Requests.ImportRecords.ImportedConversation c) {
    List<Tuple> rows = new ArrayList<>();
    long lastSeq = 0;
    int count = 1;
    for (Requests.ImportRecords.ImportedFork f : c.forks()) {
      rows.add(Tuple.of(id, f.branch(), f.parentBranch(), f.forkSeq()));
      lastSeq = Math.max(lastSeq, f.forkSeq());
      count = Math.max(count, f.branch() + 1);
    }
    for (long seq : c.messageSeqs()) {
      lastSeq = Math.max(lastSeq, seq);
    }
    Tuple head = Tuple.of(id, lastSeq, c.currentBranch(), count);
    return tx.preparedQuery(SqlQueries.insertBranch()).executeBatch(rows)
        .compose(v -> tx.preparedQuery(SqlQueries.importedBranches()).execute(head));
  }

  private Future<Boolean> insert(SqlConnection tx, String owner, Requests.ImportRecords.ImportedConversation c,
                                 List<NewMessage> messages) {
    UUID id = idOf(owner, c.sourceId());
    OffsetDateTime now = OffsetDateTime.now();
    OffsetDateTime created = c.createdAt() != null ? c.createdAt() : now;
    OffsetDateTime latest = created;
    for (OffsetDateTime t : c.messageTimes()) {
      if (t != null && t.isAfter(latest)) {
        latest = t;
      }
    }
    OffsetDateTime updated = latest;
    String title = c.title() != null ? c.title() : Titles.fromMessages(messages);
    // A branched conversation keeps its seqs and branches; its counters are its current path's.
    Map<Integer, Branches.Fork> forks = new HashMap<>();
    c.forks().forEach(f -> forks.put(f.branch(), new Branches.Fork(f.parentBranch(), f.forkSeq())));
    Map<Integer, Long> path = Branches.path(forks, c.currentBranch(), Long.MAX_VALUE);
    boolean[] onPath = new boolean[messages.size()];
    int count = 0;
    long tokens = 0;
    for (int i = 0; i < messages.size(); i++) {
      Long max = c.branched() ? path.get(c.messageBranches().get(i)) : Long.valueOf(Long.MAX_VALUE);
      onPath[i] = max != null && (!c.branched() || c.messageSeqs().get(i) <= max);
      if (onPath[i]) {
        count++;
        tokens += messages.get(i).tokenCount();
      }
    }
    Tuple conversation = Tuple.from(new Object[] {id, owner, title, c.title() != null ? "user" : "auto", c.metadata(),
        count, tokens, c.archived(), created, updated});
    return tx.preparedQuery(SqlQueries.importConversation()).execute(conversation).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(false); // imported before
      }
      Future<?> branched = c.branched() ? branches(tx, id, c) : Future.succeededFuture();
      if (messages.isEmpty()) {
        return branched.map(v -> true);
      }
      List<Tuple> batch = new ArrayList<>(messages.size());
      for (int i = 0; i < messages.size(); i++) {
        NewMessage m = messages.get(i);
        OffsetDateTime at = c.messageTimes().get(i);
        long seq = c.branched() ? c.messageSeqs().get(i) : (long) i + 1;
        int branch = c.branched() ? c.messageBranches().get(i) : 0;
        batch.add(Tuple.from(new Object[] {id, seq, UUID.randomUUID(), m.role().wire(), m.content(),
            m.tokenCount(), m.model(), m.sources(), m.metadata(), m.toolCalls(), m.status().wire(), m.selectedText(),
            at != null ? at : updated, m.toolCallId(), branch, !onPath[i]}));
      }
      return branched.compose(v -> tx.preparedQuery(SqlQueries.restoreMessage()).executeBatch(batch)).map(v -> true);
    });
  }
}
