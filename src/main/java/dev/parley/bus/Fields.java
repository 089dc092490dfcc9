package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Typed reads of request fields by the rules of the HTTP contract (openapi.yaml): each wrong value
 * is a 400 validation problem that points at it. Used by {@link Requests}.
 */
final class Fields {

  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Fields() {
  }

  /** Rejects members the contract does not declare ({@code additionalProperties: false}). */
  static void only(JsonObject body, String pointer, Set<String> allowed) {
    for (String key : body.fieldNames()) {
      if (!allowed.contains(key)) {
        throw Problem.invalid(pointer + "/" + InputRules.escape(key), key + " is not a known field");
      }
    }
  }

  /** A UUID in its canonical text form; null when absent and not required. */
  static UUID uuid(JsonObject body, String field, boolean required) {
    Object value = body.getValue(field);
    if (value == null) {
      if (required) {
        throw Problem.invalid("/" + field, field + " is required");
      }
      return null;
    }
    if (!(value instanceof String s) || !UUID_TEXT.matcher(s).matches()) {
      throw Problem.invalid("/" + field, field + " must be a UUID");
    }
    return UUID.fromString(s);
  }

  static Integer integer(JsonObject body, String field, String pointer, int min, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < min || n.doubleValue() > max) {
      throw Problem.invalid(pointer, field + " must be a whole number from " + min
          + (max == Integer.MAX_VALUE ? " up" : " to " + max));
    }
    return n.intValue();
  }

  static Long whole(JsonObject body, String field, String pointer, long min) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < min
        || n.doubleValue() > Long.MAX_VALUE) {
      throw Problem.invalid(pointer, field + " must be a whole number from " + min + " up");
    }
    return n.longValue();
  }

  static Boolean bool(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof Boolean)) {
      throw Problem.invalid("/" + field, field + " must be true or false");
    }
    return (Boolean) value;
  }

  static String string(JsonObject body, String field, String pointer) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw Problem.invalid(pointer, field + " must be a string");
    }
    return (String) value;
  }

  static JsonObject object(Object value, String pointer) {
    if (!(value instanceof JsonObject o)) {
      throw Problem.invalid(pointer, "must be an object");
    }
    return o;
  }

  static JsonArray array(JsonObject body, String field, String pointer) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof JsonArray)) {
      throw Problem.invalid(pointer, field + " must be an array");
    }
    return (JsonArray) value;
  }

  static <E extends Enum<E> & Wire> E oneOf(Class<E> type, Object value, String pointer, String field, E absent) {
    if (value == null) {
      return absent;
    }
    E parsed = Wire.parse(type, value);
    if (parsed == null) {
      throw Problem.invalid(pointer, field + " must be " + Wire.choices(type));
    }
    return parsed;
  }
}
