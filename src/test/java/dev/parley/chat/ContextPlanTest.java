package dev.parley.chat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ContextPlanTest {

  /** Messages seq 1..n, oldest first, each costing {@code tokens}. */
  private static List<JsonObject> history(int n, int tokens) {
    List<JsonObject> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(new JsonObject().put("id", "m" + i).put("seq", (long) i).put("role", i % 2 == 1 ? "user" : "assistant")
          .put("content", "c" + i).put("token_count", tokens));
    }
    return out;
  }

  @Test
  @DisplayName("The newest messages that fit are kept, oldest first; the rest counts as dropped")
  void fitsNewestFirst() {
    ContextPlan plan = ContextPlan.fit("sys", 5, history(10, 10), 45, 4, 2);
    assertEquals(List.of(8L, 9L, 10L), plan.messages().stream().map(m -> m.getLong("seq")).toList());
    assertEquals(3 * 14 + 5 + ContextPlan.PRIMING_TOKENS, plan.promptTokens());
    assertEquals(2 + 7, plan.dropped());
    assertEquals(8, plan.oldestSeq());
    assertEquals("c8", plan.providerMessages().getJsonObject(0).getString("content"));
    assertEquals(2, plan.providerMessages().getJsonObject(0).size(), "only role and content go to the provider");
  }

  @Test
  @DisplayName("The newest message always stays, even alone over the budget; a context never skips a message")
  void newestStays() {
    ContextPlan plan = ContextPlan.fit(null, 0, history(3, 100), 10, 4, 0);
    assertEquals(1, plan.messages().size());
    assertEquals(3L, plan.messages().get(0).getLong("seq"));
    assertEquals(0, ContextPlan.fit(null, 0, List.of(), 10, 4, 0).oldestSeq());
  }

  @Test
  @DisplayName("tighter() keeps three quarters of the message tokens, dropping the oldest")
  void tighter() {
    ContextPlan plan = ContextPlan.fit(null, 0, history(8, 6), 1_000, 4, 0);
    assertEquals(8, plan.messages().size());
    ContextPlan tighter = plan.tighter();
    assertEquals(6, tighter.messages().size());
    assertEquals(2, tighter.dropped());
    assertEquals(3L, tighter.oldestSeq());
  }
}
