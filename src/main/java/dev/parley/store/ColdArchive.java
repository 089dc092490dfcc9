package dev.parley.store;

import dev.parley.archive.ObjectStore;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Moves conversations to cold storage and back. An archived conversation is one gzip NDJSON
 * object (a conversation line, then one line per message in seq order) and a stub row that names
 * the object and its SHA-256. Moving out loses nothing if the process dies at any step: the object
 * is written, read back and checked first; only then, in one transaction, and only if the
 * conversation did not change meanwhile, the stub is set and the messages are deleted. Restoring
 * reads and checks the object, puts the messages back and clears the stub in one transaction, and
 * deletes the object after the commit.
 */
final class ColdArchive {

  private static final Logger LOG = LoggerFactory.getLogger(ColdArchive.class);

  private final Vertx vertx;
  private final Pool pool;
  private final ObjectStore objects;
  private final ParleyMetrics metrics;

  ColdArchive(Vertx vertx, Pool pool, ObjectStore objects, ParleyMetrics metrics) {
    this.vertx = vertx;
    this.pool = pool;
    this.objects = objects;
    this.metrics = metrics;
  }

  static String key(UUID conversation) {
    return "conversations/" + conversation + ".ndjson.gz";
  }

  /** An encoded object and its hash. */
  private record Encoded(Buffer bytes, String sha256) {
  }

  /**
   * Moves one conversation to cold storage if it is still untouched for {@code afterDays} days;
   * the owner when it moved, null when it did not (changed meanwhile, deleted, already cold).
   */
  Future<String> archive(UUID id, int afterDays) {
    return pool.preparedQuery(SqlQueries.archiveHead()).execute(Tuple.of(id, afterDays)).compose(heads -> {
      if (heads.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row head = heads.iterator().next();
      String owner = head.getString("owner");
      long lastSeq = head.getLong("last_seq");
      OffsetDateTime updatedAt = head.getOffsetDateTime("updated_at");
      JsonObject conversation = Rows.conversation(head).put("owner", owner).put("summary", head.getString("summary"))
          .put("summary_upto_seq", head.getLong("summary_upto_seq")).put("last_seq", lastSeq);
      String key = key(id);
      return pool.preparedQuery(SqlQueries.archiveMessages()).execute(Tuple.of(id))
          .compose(rows -> vertx.executeBlocking(() -> encode(conversation, withPathMarks(rows)), false))
          .compose(encoded -> objects.put(key, encoded.bytes())
              .compose(v -> objects.get(key))
              .compose(read -> vertx.executeBlocking(() -> sha256(read), false))
              .compose(readHash -> readHash.equals(encoded.sha256()) ? Future.succeededFuture(encoded)
                  : Future.failedFuture(new IllegalStateException("The archived object does not read back as written"))))
          .compose(encoded -> pool.withTransaction(tx -> tx.preparedQuery(SqlQueries.lockForArchive()).execute(Tuple.of(id))
              .compose(locked -> {
                if (locked.size() == 0) {
                  return Future.succeededFuture(false);
                }
                Row now = locked.iterator().next();
                if (now.getLong("last_seq") != lastSeq || !now.getOffsetDateTime("updated_at").equals(updatedAt)) {
                  return Future.succeededFuture(false); // written to meanwhile: it stays hot
                }
                return tx.preparedQuery(SqlQueries.markCold()).execute(Tuple.of(id, key, encoded.sha256()))
                    .compose(v -> tx.preparedQuery(SqlQueries.deleteArchivedMessages()).execute(Tuple.of(id)))
                    .map(v -> true);
              })))
          .map(moved -> {
            if (moved) {
              metrics.archived("archived");
            }
            return moved ? owner : null;
          });
    });
  }

  /**
   * Brings a cold conversation of {@code owner} back; true when it was cold (and is hot now, by this
   * call or a concurrent one), false when it is not a cold conversation of the owner's.
   */
  Future<Boolean> restore(String owner, UUID id) {
    return pool.preparedQuery(SqlQueries.coldStub()).execute(Tuple.of(id, owner)).compose(stubs -> {
      Row stub = stubs.size() == 0 ? null : stubs.iterator().next();
      if (stub == null || stub.getString("cold_key") == null) {
        return Future.succeededFuture(false);
      }
      String key = stub.getString("cold_key");
      String expected = stub.getString("cold_sha256");
      return objects.get(key)
          .compose(bytes -> vertx.executeBlocking(() -> decode(bytes, expected), false))
          .compose(messages -> pool.withTransaction(tx -> tx.preparedQuery(SqlQueries.lockCold()).execute(Tuple.of(id))
              .compose(locked -> {
                if (locked.size() == 0 || !key.equals(locked.iterator().next().getString("cold_key"))) {
                  return Future.succeededFuture(false); // restored meanwhile
                }
                List<Tuple> rows = new ArrayList<>(messages.size());
                for (JsonObject m : messages) {
                  rows.add(Tuple.from(new Object[] {id, m.getLong("seq"), UUID.fromString(m.getString("id")),
                      m.getString("role"), m.getString("content"), m.getInteger("token_count"), m.getString("model"),
                      m.getJsonArray("sources"), m.getJsonObject("metadata", new JsonObject()), m.getJsonArray("tool_calls"),
                      m.getString("status", "complete"), m.getString("selected_text"),
                      OffsetDateTime.parse(m.getString("created_at")), m.getString("tool_call_id"),
                      m.getInteger("branch", 0), m.getBoolean("off_path", false)}));
                }
                Future<?> inserted = rows.isEmpty() ? Future.succeededFuture()
                    : tx.preparedQuery(SqlQueries.restoreMessage()).executeBatch(rows);
                return inserted.compose(v -> tx.preparedQuery(SqlQueries.markHot()).execute(Tuple.of(id))).map(v -> true);
              })))
          .map(mine -> {
            if (mine) {
              metrics.archived("restored");
              forget(List.of(key));
            }
            return true;
          });
    });
  }

  /** Deletes the objects of conversations that are gone (purged, erased), after their rows went. */
  void forget(List<String> keys) {
    for (String key : keys) {
      objects.delete(key).onFailure(e -> LOG.warn("An archived object could not be deleted ({}); it is left behind",
          e.getClass().getSimpleName()));
    }
  }

  /** The messages as the API shows them, with whether each is on the current branch's path (restored as it was). */
  private static List<JsonObject> withPathMarks(io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row> rows) {
    List<JsonObject> messages = Rows.messages(rows);
    int i = 0;
    for (io.vertx.sqlclient.Row row : rows) {
      messages.get(i++).put("off_path", row.getBoolean("off_path"));
    }
    return messages;
  }

  private static Encoded encode(JsonObject conversation, List<JsonObject> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Writer writer = new OutputStreamWriter(new GZIPOutputStream(out), StandardCharsets.UTF_8)) {
      writer.write(new JsonObject().put("type", "conversation").put("conversation", conversation).encode());
      writer.write('\n');
      for (JsonObject message : messages) {
        writer.write(new JsonObject().put("type", "message").put("message", message).encode());
        writer.write('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Buffer bytes = Buffer.buffer(out.toByteArray());
    return new Encoded(bytes, sha256(bytes));
  }

  /** The messages of an object, after checking it hashes to {@code expected}. */
  private static List<JsonObject> decode(Buffer bytes, String expected) {
    if (!sha256(bytes).equals(expected)) {
      throw new IllegalStateException("An archived object does not match its hash: it is not restored");
    }
    List<JsonObject> messages = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(new ByteArrayInputStream(bytes.getBytes())), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        JsonObject entry = new JsonObject(line);
        if ("message".equals(entry.getString("type"))) {
          messages.add(entry.getJsonObject("message"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return messages;
  }

  static String sha256(Buffer bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.getBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Keys of objects to delete from a result with a cold_key column. */
  static List<String> keys(Iterable<Row> rows) {
    List<String> keys = new ArrayList<>();
    for (Row row : rows) {
      if (row.getString("cold_key") != null) {
        keys.add(row.getString("cold_key"));
      }
    }
    return keys;
  }
}
