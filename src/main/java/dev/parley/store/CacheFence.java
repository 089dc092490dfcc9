package dev.parley.store;

import dev.parley.cache.CacheLease;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.concurrent.TimeUnit;

/**
 * The database side of cache coherence (docs/architecture.md, "Cache coherence"). A lease: this
 * verticle reads the fence row every quarter lease and may read the cache for one lease length
 * after the moment it asked, on the epoch it read, unless the cache is suspended. A fence: after a
 * write whose invalidation did not reach Redis, the epoch is bumped and the cache suspended in the
 * same row, and the writer waits until every lease granted before that has run out, so no node can
 * serve the old entry once the write is acknowledged. Confined to its verticle's event loop.
 */
final class CacheFence implements CacheLease {

  private final Vertx vertx;
  private final Pool pool;
  private final long leaseNanos;
  private final long waitMs;
  private final double suspendSeconds;
  private long timer = -1;
  private boolean renewing;
  private String namespace;
  private long epoch;
  private boolean suspended = true;
  private long leaseEnd;

  /**
   * @param leaseMs   how long a read of the fence row lets this node use the cache
   * @param suspendMs how long the cache stays off on every node after the last missed invalidation
   */
  CacheFence(Vertx vertx, Pool pool, long leaseMs, long suspendMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(leaseMs);
    // The margin covers the time between the fence's statement and its commit, and clock-rate skew.
    this.waitMs = leaseMs + leaseMs / 10 + 50;
    this.suspendSeconds = Math.max(leaseMs, suspendMs) / 1000.0;
  }

  /** Reads the fence once (the namespace is needed before any cache call), then renews on a timer. */
  Future<Void> start() {
    timer = vertx.setPeriodic(Math.max(10, TimeUnit.NANOSECONDS.toMillis(leaseNanos) / 4), id -> renew());
    return renew();
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  @Override
  public String namespace() {
    return namespace;
  }

  @Override
  public long readableEpoch() {
    return suspended || System.nanoTime() - leaseEnd >= 0 ? -1 : epoch;
  }

  @Override
  public long knownEpoch() {
    return epoch;
  }

  @Override
  public Future<Void> fence() {
    return pool.preparedQuery(SqlQueries.fenceCache()).execute(Tuple.of(suspendSeconds)).compose(rows -> {
      Row row = rows.iterator().next();
      epoch = Math.max(epoch, row.getLong("epoch"));
      suspended = true;
      long wait = waitMs - row.getLong("suspended_for_ms");
      if (wait <= 0) {
        return Future.succeededFuture();
      }
      Promise<Void> waited = Promise.promise();
      vertx.setTimer(wait, id -> waited.complete());
      return waited.future();
    });
  }

  private Future<Void> renew() {
    if (renewing) {
      return Future.succeededFuture();
    }
    renewing = true;
    long asked = System.nanoTime();
    return pool.preparedQuery(SqlQueries.readCacheFence()).execute().andThen(ar -> {
      renewing = false;
      if (ar.failed()) {
        return; // the lease runs out by itself
      }
      Row row = ar.result().iterator().next();
      namespace = row.getString("namespace");
      epoch = Math.max(epoch, row.getLong("epoch"));
      suspended = row.getBoolean("suspended") || row.getLong("epoch") < epoch;
      leaseEnd = asked + leaseNanos;
    }).mapEmpty();
  }
}
