package dev.parley.store;

import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import dev.parley.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Runs a request at most once per (user, Idempotency-Key), and never leaves a key stuck:
 * <ul>
 *   <li>a write that fits in one transaction (create, append) claims its key inside that
 *       transaction, so the claim and the write commit together or vanish together (a crash, a
 *       rollback, a lost database); a concurrent duplicate waits for the first to finish and
 *       replays it;</li>
 *   <li>a chat turn, which waits for a model between its writes, claims its key in a committed
 *       row held by an attempt id under a lease its node keeps renewing; once the lease runs out a
 *       retry takes the key over, resumes from the recorded progress, and the old attempt's writes
 *       are refused (every one of them names the attempt).</li>
 * </ul>
 */
final class IdempotentWrites {

  /** What claiming a key found. */
  sealed interface Claim {
    /** The request already finished: this is its answer. */
    record Replay(Reply reply) implements Claim {
    }

    /** This attempt now holds the key; {@code progress} is what an earlier attempt recorded (empty: none). */
    record Held(JsonObject progress) implements Claim {
    }
  }

  private final Pool pool;
  private final int leaseSeconds;
  private final int retentionHours;

  IdempotentWrites(Pool pool, int leaseSeconds, int retentionHours) {
    this.pool = pool;
    this.leaseSeconds = leaseSeconds;
    this.retentionHours = retentionHours;
  }

  /** Runs {@code write} in one transaction, with the key claimed and completed inside it. */
  Future<Reply> run(String owner, String key, String requestHash, String operation,
                    Function<SqlConnection, Future<Reply>> write) {
    if (key == null) {
      return pool.withTransaction(write);
    }
    if (requestHash == null || requestHash.isEmpty()) {
      return Future.failedFuture(Problem.badRequest("An idempotency key needs the request hash header"));
    }
    return pool.withTransaction(tx -> runIn(tx, owner, key, requestHash, operation, write));
  }

  /** Claims the key inside {@code tx} (a transaction the caller owns), writes, and completes the key there. */
  Future<Reply> runIn(SqlConnection tx, String owner, String key, String requestHash, String operation,
                      Function<SqlConnection, Future<Reply>> write) {
    return claimIn(tx, owner, key, requestHash, operation).compose(replay -> replay != null
        ? Future.succeededFuture(replay)
        : write.apply(tx).compose(reply -> complete(tx, owner, key, null, reply)));
  }

  /** Claims the key inside {@code tx}: the stored reply when the request already finished, else null (the key is held). */
  Future<Reply> claimIn(SqlConnection tx, String owner, String key, String requestHash, String operation) {
    return claim(tx, owner, key, requestHash, operation, null)
        .map(claim -> claim instanceof Claim.Replay replay ? replay.reply() : null);
  }

  /** Claims a key for a long request (a chat turn) in its own committed row, under a lease for {@code attempt}. */
  Future<Claim> claimLeased(String owner, String key, String hash, String operation, UUID attempt) {
    return claim(pool, owner, key, hash, operation, attempt);
  }

  private Future<Claim> claim(SqlClient client, String owner, String key, String hash, String operation, UUID attempt) {
    Integer lease = attempt == null ? null : leaseSeconds;
    return client.preparedQuery(SqlQueries.claimIdempotencyKey())
        .execute(Tuple.of(owner, key, operation, hash, attempt, lease))
        .compose(claimed -> claimed.size() == 1
            ? Future.succeededFuture(new Claim.Held(new JsonObject()))
            : existing(client, owner, key, hash, operation, attempt));
  }

  private Future<Claim> existing(SqlClient client, String owner, String key, String hash, String operation, UUID attempt) {
    return client.preparedQuery(SqlQueries.readIdempotencyKey()).execute(Tuple.of(owner, key, retentionHours))
        .compose(rows -> {
          if (rows.size() == 0) {
            // Released between our insert and this read: the client may simply retry.
            return Future.failedFuture(inProgress(1));
          }
          Row row = rows.iterator().next();
          if (row.getBoolean("expired") || row.getBoolean("abandoned")) {
            return reclaim(client, owner, key, hash, operation, attempt);
          }
          if ("running".equals(row.getString("status"))) {
            return Future.failedFuture(inProgress(row.getLong("lease_left")));
          }
          if (!operation.equals(row.getString("operation")) || !hash.equals(row.getString("request_hash"))) {
            return Future.failedFuture(Problem.unprocessable(
                "This Idempotency-Key was already used with a different request"));
          }
          Object body = row.getValue("response");
          return Future.succeededFuture(new Claim.Replay(new Reply(row.getInteger("response_status"),
              body instanceof JsonObject json ? json : null, true)));
        });
  }

  private Future<Claim> reclaim(SqlClient client, String owner, String key, String hash, String operation, UUID attempt) {
    return client.preparedQuery(SqlQueries.reclaimIdempotencyKey())
        .execute(Tuple.from(new Object[] {owner, key, operation, hash, attempt, attempt == null ? null : leaseSeconds,
            retentionHours}))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(inProgress(1));
          }
          Object progress = rows.iterator().next().getValue("progress");
          return Future.succeededFuture(new Claim.Held(progress instanceof JsonObject p ? p : new JsonObject()));
        });
  }

  /** 409 with the seconds until the holder's lease runs out. */
  private static Problem inProgress(long retryAfterSeconds) {
    return new Problem(ProblemType.CONFLICT, "A request with this Idempotency-Key is still in progress", null,
        new JsonObject().put("retry_after", Math.max(1, retryAfterSeconds)));
  }

  /** Stores the response, if {@code attempt} still holds the key (null: inside the claiming transaction). */
  Future<Reply> complete(SqlClient client, String owner, String key, UUID attempt, Reply reply) {
    return client.preparedQuery(SqlQueries.completeIdempotencyKey())
        .execute(Tuple.of(owner, key, reply.status(), reply.body(), attempt))
        .compose(rows -> held(rows.rowCount()).map(reply));
  }

  /** Records how far {@code attempt} got, in the transaction of the write it made. */
  Future<Void> progress(SqlClient client, String owner, String key, UUID attempt, JsonObject progress) {
    return client.preparedQuery(SqlQueries.recordIdempotencyProgress())
        .execute(Tuple.of(owner, key, attempt, progress))
        .compose(rows -> held(rows.rowCount()));
  }

  /** Gives the key up (the request failed before it changed anything), if {@code attempt} still holds it. */
  Future<Void> release(String owner, String key, UUID attempt) {
    return pool.preparedQuery(SqlQueries.releaseIdempotencyKey()).execute(Tuple.of(owner, key, attempt)).mapEmpty();
  }

  /** Extends the leases of the attempts a node is still working on. */
  Future<Void> renew(List<UUID> attempts) {
    return pool.preparedQuery(SqlQueries.renewIdempotencyLeases())
        .execute(Tuple.of(attempts.toArray(new UUID[0]), leaseSeconds)).mapEmpty();
  }

  /** A write under an attempt that no longer holds its key is refused, and its transaction rolled back. */
  private static Future<Void> held(int rowCount) {
    return rowCount == 1 ? Future.succeededFuture() : Future.failedFuture(new Problem(ProblemType.CONFLICT,
        "A retry with the same Idempotency-Key took this request over", null,
        new JsonObject().put("retry_after", 1)));
  }

  Future<Integer> purgeExpired() {
    return pool.preparedQuery(SqlQueries.purgeIdempotencyKeys()).execute(Tuple.of(retentionHours))
        .map(rows -> rows.rowCount());
  }
}
