package dev.parley.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.Validator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quick path never accepts what the schema validator refuses, and does accept the common valid values. */
class SimpleSchemaTest {

  private static void agrees(JsonObject schemaJson, List<Object> values) {
    JsonSchema schema = JsonSchema.of(schemaJson);
    Predicate<Object> quick = SimpleSchema.quickAccept(schema);
    Validator validator = Validator.create(schema, new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
        .setBaseUri("https://parley.dev/"));
    for (Object value : values) {
      if (quick.test(value)) {
        assertTrue(validator.validate(value).getValid(), "quick accepted what the validator refuses: " + value);
      }
    }
  }

  @Test
  @DisplayName("Integers with bounds, enums, uuids and lengths: quick yes only where the validator says yes")
  void neverLooser() {
    agrees(new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", 100),
        List.of(0L, 1L, 50L, 100L, 101L, -5L, 1.5, "7"));
    agrees(new JsonObject().put("type", "string").put("enum", new JsonArray().add("asc").add("desc")),
        List.of("asc", "desc", "up", "", 3L));
    agrees(new JsonObject().put("type", "string").put("format", "uuid"),
        List.of("00000000-0000-4000-8000-000000000001", "ABCDEF00-0000-4000-8000-000000000001", "nope",
            "00000000-0000-4000-8000-00000000000g", "00000000000040008000000000000001", "٠0000000-0000-4000-8000-000000000001"));
    agrees(new JsonObject().put("type", "string").put("minLength", 1).put("maxLength", 3), List.of("", "a", "abc", "abcd"));
  }

  @Test
  @DisplayName("The common valid values take the quick path; other keywords get none")
  void quickForTheCommonCase() {
    assertTrue(SimpleSchema.quickAccept(JsonSchema.of(new JsonObject().put("type", "integer").put("minimum", 1)))
        .test(20L));
    assertTrue(SimpleSchema.quickAccept(JsonSchema.of(new JsonObject().put("type", "string").put("format", "uuid")))
        .test("0a1b2c3d-0000-4000-8000-000000000001"));
    assertFalse(SimpleSchema.quickAccept(JsonSchema.of(new JsonObject().put("type", "integer").put("maximum", 5)))
        .test(6L));
    assertNull(SimpleSchema.quickAccept(JsonSchema.of(new JsonObject().put("type", "string").put("pattern", "^a$"))));
    assertNull(SimpleSchema.quickAccept(JsonSchema.of(new JsonObject().put("type", "array"))));
  }
}
