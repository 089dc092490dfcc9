package dev.parley.cache;

import java.util.concurrent.atomic.AtomicLong;

/** Cache hits, misses and Redis errors of one node. */
public final class CacheStats {

  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  void hit() {
    hits.incrementAndGet();
  }

  void miss() {
    misses.incrementAndGet();
  }

  void error() {
    errors.incrementAndGet();
  }

  public long hits() {
    return hits.get();
  }

  public long misses() {
    return misses.get();
  }

  public long errors() {
    return errors.get();
  }
}
