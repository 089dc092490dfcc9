package dev.parley.bus;

import dev.parley.config.Limits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InputRulesTest {

  private static final InputRules RULES = new InputRules(new Limits(1_000_000, 2, 10, 5, 2, 4, 6));

  private static String pointer(Runnable check) {
    return assertThrows(Problem.class, check::run).toJson().getJsonArray("errors").getJsonObject(0).getString("pointer");
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  @Test
  @DisplayName("Text: NUL, lone surrogates and non-finite numbers are refused anywhere, keys included, at their pointer")
  void text() {
    InputRules.checkText(new JsonObject().put("ok", "emoji \uD83D\uDE00").put("n", 1.5), "");
    assertEquals("/a/0", pointer(() -> InputRules.checkText(new JsonObject().put("a", new JsonArray().add("x\u0000")), "")));
    assertEquals("/b", pointer(() -> InputRules.checkText(new JsonObject().put("b", "\uD800"), "")));
    assertEquals("/k~1\uDC00", pointer(() -> InputRules.checkText(new JsonObject().put("k/\uDC00", 1), "")));
    assertEquals("/c", pointer(() -> InputRules.checkText(new JsonObject().put("c", Double.NaN), "")));
  }

  @Test
  @DisplayName("Title and metadata: trimmed, bounded, scalar values only")
  void titleAndMetadata() {
    assertEquals("abc", RULES.title(new JsonObject().put("title", "  abc ")));
    assertNull(RULES.title(new JsonObject().put("title", "   ")));
    assertEquals("/title", pointer(() -> RULES.title(new JsonObject().put("title", "toolong"))));
    assertEquals(new JsonObject(), RULES.metadata(null, "/metadata"));
    assertEquals("/metadata", pointer(() -> RULES.metadata(new JsonObject().put("a", 1).put("b", 2).put("c", 3), "/metadata")));
    assertEquals("/metadata/abcde", pointer(() -> RULES.metadata(new JsonObject().put("abcde", 1), "/metadata")));
    assertEquals("/metadata/a", pointer(() -> RULES.metadata(new JsonObject().put("a", new JsonArray()), "/metadata")));
    assertEquals("/metadata/a", pointer(() -> RULES.metadata(new JsonObject().put("a", "1234567"), "/metadata")));
  }

  @Test
  @DisplayName("Messages: count, role, content, members; a turn's answer may be longer and name its model and status")
  void messages() {
    List<NewMessage> two = RULES.messages(new JsonArray().add(message("user", "hi")).add(message("assistant", "yo")), "/m", 1);
    assertEquals(List.of(Role.USER, Role.ASSISTANT), two.stream().map(NewMessage::role).toList());
    assertEquals(MessageStatus.COMPLETE, two.get(0).status());
    assertEquals("/m", pointer(() -> RULES.messages(new JsonArray(), "/m", 1)));
    assertEquals("/m", pointer(() -> RULES.messages(new JsonArray().add(message("user", "a")).add(message("user", "b"))
        .add(message("user", "c")), "/m", 1)));
    assertEquals("/m/0/role", pointer(() -> RULES.messages(new JsonArray().add(message("robot", "a")), "/m", 1)));
    assertEquals("/m/0/content", pointer(() -> RULES.messages(new JsonArray().add(message("user", "")), "/m", 1)));
    assertEquals("/m/0/content", pointer(() -> RULES.messages(new JsonArray().add(message("user", "x".repeat(11))), "/m", 1)));
    assertEquals("/m/0/model", pointer(() -> RULES.messages(new JsonArray().add(message("user", "a").put("model", "m")), "/m", 1)));
    List<NewMessage> answer = RULES.answerMessages(new JsonArray().add(message("assistant", "x".repeat(11))
        .put("model", "m").put("status", "interrupted")), "/m");
    assertEquals(MessageStatus.INTERRUPTED, answer.get(0).status());
    assertEquals("/m/0/status", pointer(() -> RULES.answerMessages(new JsonArray().add(message("assistant", "x")
        .put("status", "half")), "/m")));
    assertEquals(List.of(), RULES.messages(null, "/m", 0));
  }
}
