package dev.parley.store;

import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.function.Function;

/**
 * Runs a write at most once per (user, Idempotency-Key). The key is claimed in its own short
 * transaction (so a concurrent duplicate sees it and answers 409), and the response is stored in
 * the same transaction as the write itself, so a stored response and its write exist together or
 * not at all. A failed write releases the key so the client may retry.
 */
final class IdempotentWrites {

  private final Pool pool;
  private final double abandonedAfterSeconds;
  private final int retentionHours;

  IdempotentWrites(Pool pool, int abandonedAfterSeconds, int retentionHours) {
    this.pool = pool;
    this.abandonedAfterSeconds = abandonedAfterSeconds;
    this.retentionHours = retentionHours;
  }

  Future<Reply> run(String owner, String key, String requestHash, String operation,
                    Function<SqlConnection, Future<Reply>> write) {
    if (key == null) {
      return pool.withTransaction(write);
    }
    if (requestHash == null || requestHash.isEmpty()) {
      return Future.failedFuture(Problem.badRequest("An idempotency key needs the request hash header"));
    }
    return claim(owner, key, requestHash, operation, true).compose(replay -> {
      if (replay != null) {
        return Future.succeededFuture(replay);
      }
      return pool.withTransaction(tx -> write.apply(tx).compose(reply -> complete(tx, owner, key, reply)))
          .recover(failure -> release(owner, key).transform(ignored -> Future.failedFuture(failure)));
    });
  }

  /** Null when this request now owns the key; otherwise the stored reply to replay. */
  Future<Reply> claim(String owner, String key, String hash, String operation) {
    return claim(owner, key, hash, operation, true);
  }

  /** Stores the response of a key claimed with {@link #claim}, outside any other transaction. */
  Future<Reply> complete(String owner, String key, Reply reply) {
    return pool.withConnection(conn -> complete(conn, owner, key, reply));
  }

  private Future<Reply> claim(String owner, String key, String hash, String operation, boolean firstTry) {
    return pool.preparedQuery(SqlQueries.claimIdempotencyKey())
        .execute(Tuple.of(owner, key, operation, hash))
        .compose(claimed -> claimed.size() == 1
            ? Future.succeededFuture(null)
            : existing(owner, key, hash, operation, firstTry));
  }

  private Future<Reply> existing(String owner, String key, String hash, String operation, boolean firstTry) {
    return pool.preparedQuery(SqlQueries.readIdempotencyKey())
        .execute(Tuple.of(owner, key, abandonedAfterSeconds, retentionHours))
        .compose(rows -> {
          if (rows.size() == 0) {
            // Released between our insert and this read: try once more.
            return firstTry ? claim(owner, key, hash, operation, false)
                : Future.failedFuture(Problem.conflict("A request with this Idempotency-Key is in progress"));
          }
          Row row = rows.iterator().next();
          if (row.getBoolean("expired")
              || "running".equals(row.getString("status")) && row.getBoolean("abandoned")) {
            return reclaim(owner, key, hash, operation);
          }
          if ("running".equals(row.getString("status"))) {
            return Future.failedFuture(Problem.conflict("A request with this Idempotency-Key is still in progress"));
          }
          if (!operation.equals(row.getString("operation")) || !hash.equals(row.getString("request_hash"))) {
            return Future.failedFuture(Problem.unprocessable(
                "This Idempotency-Key was already used with a different request"));
          }
          Object body = row.getValue("response");
          return Future.succeededFuture(new Reply(row.getInteger("response_status"),
              body instanceof JsonObject json ? json : null, true));
        });
  }

  private Future<Reply> reclaim(String owner, String key, String hash, String operation) {
    return pool.preparedQuery(SqlQueries.reclaimIdempotencyKey())
        .execute(Tuple.of(owner, key, operation, hash, abandonedAfterSeconds, retentionHours))
        .compose(rows -> rows.size() == 1
            ? Future.succeededFuture(null)
            : Future.failedFuture(Problem.conflict("A request with this Idempotency-Key is in progress")));
  }

  private Future<Reply> complete(SqlConnection tx, String owner, String key, Reply reply) {
    return tx.preparedQuery(SqlQueries.completeIdempotencyKey())
        .execute(Tuple.of(owner, key, reply.status(), reply.body()))
        .map(reply);
  }

  Future<Void> release(String owner, String key) {
    return pool.preparedQuery(SqlQueries.releaseIdempotencyKey()).execute(Tuple.of(owner, key)).mapEmpty();
  }

  Future<Integer> purgeExpired() {
    return pool.preparedQuery(SqlQueries.purgeIdempotencyKeys()).execute(Tuple.of(retentionHours))
        .map(rows -> rows.rowCount());
  }
}
