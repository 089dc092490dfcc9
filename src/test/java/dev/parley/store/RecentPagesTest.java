package dev.parley.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** History pages cut from the cached recent messages, and the seq bounds shared with the database. */
class RecentPagesTest {

  private static UUID id(long seq) {
    return new UUID(0, seq);
  }

  /** Cached recent messages seq from..to, oldest first. */
  private static JsonObject recent(long from, long to, boolean complete) {
    JsonArray messages = new JsonArray();
    for (long s = from; s <= to; s++) {
      messages.add(new JsonObject().put("id", id(s).toString()).put("seq", s));
    }
    return new JsonObject().put("complete", complete).put("messages", messages);
  }

  private static List<Long> seqs(JsonObject page) {
    return page.getJsonArray("data").stream().map(m -> ((JsonObject) m).getLong("seq")).toList();
  }

  @Test
  @DisplayName("Page bounds: after continues forward, before goes back and reads nearest first")
  void pageQuery() {
    MessageStore.PageQuery forward = MessageStore.PageQuery.of(false, 5L, null, 3);
    assertEquals(5, forward.lower());
    assertEquals(Long.MAX_VALUE, forward.upper());
    assertFalse(forward.scanDescending());
    MessageStore.PageQuery back = MessageStore.PageQuery.of(false, null, 9L, 3);
    assertTrue(back.backwards());
    assertTrue(back.scanDescending());
    MessageStore.PageQuery newestFirst = MessageStore.PageQuery.of(true, 9L, null, 3);
    assertEquals(9, newestFirst.upper());
    assertTrue(newestFirst.scanDescending());
  }

  @Test
  @DisplayName("Pages inside the cached messages are served from them, in the database's order and with has_more")
  void servedFromRecent() {
    JsonObject newest = CachedReads.pageFromRecent(recent(11, 30, false), true, null, null, 5).orElseThrow();
    assertEquals(List.of(30L, 29L, 28L, 27L, 26L), seqs(newest));
    assertTrue(newest.getBoolean("has_more"));
    JsonObject after = CachedReads.pageFromRecent(recent(11, 30, false), false, id(27), null, 5).orElseThrow();
    assertEquals(List.of(28L, 29L, 30L), seqs(after));
    assertFalse(after.getBoolean("has_more"));
    JsonObject before = CachedReads.pageFromRecent(recent(11, 30, false), false, null, id(20), 3).orElseThrow();
    assertEquals(List.of(17L, 18L, 19L), seqs(before));
    JsonObject all = CachedReads.pageFromRecent(recent(1, 4, true), false, null, null, 10).orElseThrow();
    assertEquals(List.of(1L, 2L, 3L, 4L), seqs(all));
  }

  @Test
  @DisplayName("A page the cached messages cannot prove complete, or a cursor they do not hold, goes to the database")
  void notProvable() {
    assertEquals(Optional.empty(), CachedReads.pageFromRecent(recent(11, 30, false), false, null, null, 5),
        "the oldest page starts before the cached messages");
    assertEquals(Optional.empty(), CachedReads.pageFromRecent(recent(11, 30, false), true, id(13), null, 5),
        "newest first after 13 reaches below the cached messages");
    assertEquals(Optional.empty(), CachedReads.pageFromRecent(recent(11, 30, false), false, id(3), null, 5));
  }
}
