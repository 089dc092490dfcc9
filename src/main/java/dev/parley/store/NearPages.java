package dev.parley.store;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.Shareable;

import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The near cache: encoded history pages in this node's memory, shared by its store verticles, each
 * under the version token of the Redis entry it was made from. A page is served only after Redis,
 * under the node's cache lease, confirmed that its token is still the conversation's current
 * version ({@code HistoryCache.Entry.Unchanged}): every write changes the token before it is
 * acknowledged, so no node serves a page older than an acknowledged write, and a node that cannot
 * reach Redis (or whose lease ran out) serves nothing from here. Pages live at most
 * {@code redis.near_cache_ttl_ms} and take at most {@code redis.near_cache_mb} of memory; past that
 * expired pages go first, then pages in no particular order. Erasing a user drops the user's pages on the node
 * that erased; on other nodes they can no longer be served and expire.
 */
final class NearPages implements Shareable {

  private static final String MAP = "parley.store";
  private static final String KEY = "near-pages";

  /** One encoded page and the version it was made from. */
  record Page(String token, Buffer bytes, long expiresAt) {
  }

  private final Map<String, Page> pages = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long maxBytes;
  private final long ttlNanos;

  private NearPages(long maxBytes, long ttlMs) {
    this.maxBytes = maxBytes;
    // Never near a day: Redis forgets a conversation's version number a day after its last write.
    this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(ttlMs, 3_600_000L));
  }

  /** The node's near cache (one per Vert.x instance, made by the first store verticle that asks). */
  static NearPages of(Vertx vertx, long maxMb, long ttlMs) {
    return (NearPages) vertx.sharedData().<String, NearPages>getLocalMap(MAP)
        .computeIfAbsent(KEY, k -> new NearPages(maxMb * 1024 * 1024, ttlMs));
  }

  boolean enabled() {
    return maxBytes > 0 && ttlNanos > 0;
  }

  /** The key of one page query of one user's conversation. */
  static String key(String owner, UUID conversation, boolean descending, UUID after, UUID before, int limit) {
    return owner + '\n' + conversation + '\n' + (descending ? 'd' : 'a') + limit + '\n' + after + '\n' + before;
  }

  /** The page held for {@code key}, if it has not expired (whether it is current is for Redis to say). */
  Page get(String key) {
    Page page = pages.get(key);
    if (page == null || System.nanoTime() - page.expiresAt() < 0) {
      return page;
    }
    remove(key, page);
    return null;
  }

  void put(String key, String token, Buffer page) {
    if (!enabled() || page == null || page.length() > maxBytes / 16) {
      return;
    }
    Page previous = pages.put(key, new Page(token, page, System.nanoTime() + ttlNanos));
    bytes.addAndGet(page.length() - (previous == null ? 0 : previous.bytes().length()));
    if (bytes.get() > maxBytes) {
      shrink();
    }
  }

  /** Drops every page of {@code owner} (after the user's data was erased). */
  void removeUser(String owner) {
    String prefix = owner + '\n';
    pages.forEach((key, page) -> {
      if (key.startsWith(prefix)) {
        remove(key, page);
      }
    });
  }

  private void remove(String key, Page page) {
    if (pages.remove(key, page)) {
      bytes.addAndGet(-page.bytes().length());
    }
  }

  /** Down to 90 % of the bound: expired pages first, then in the map's order. */
  private void shrink() {
    long now = System.nanoTime();
    pages.forEach((key, page) -> {
      if (now - page.expiresAt() >= 0) {
        remove(key, page);
      }
    });
    for (Iterator<Map.Entry<String, Page>> it = pages.entrySet().iterator(); it.hasNext() && bytes.get() > maxBytes * 9 / 10; ) {
      Map.Entry<String, Page> e = it.next();
      remove(e.getKey(), e.getValue());
    }
  }
}
