package dev.parley.cache;

import io.vertx.core.Future;

/**
 * What a node may do with the shared cache right now, decided by a fence every node can check
 * (the database). Reads use the cache only under a valid lease on the current epoch; a write whose
 * invalidation did not reach Redis fences the cache before it is acknowledged.
 */
public interface CacheLease {

  /** The prefix of this deployment's keys, so deployments sharing a Redis never meet. */
  String namespace();

  /** The epoch reads may use now, or -1 when the cache must not be read (no valid lease, or suspended). */
  long readableEpoch();

  /** The newest epoch this node knows, for invalidations (0 when it knows none yet). */
  long knownEpoch();

  /**
   * After a committed write whose invalidation did not reach Redis: completes once no node can still
   * serve an entry older than that write. Fails when the fence could not be set (the database is gone).
   */
  Future<Void> fence();
}
