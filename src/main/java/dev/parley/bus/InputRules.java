package dev.parley.bus;

import dev.parley.bus.Problem;
import dev.parley.config.Limits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules every input obeys, whether it came over HTTP (after contract validation) or straight
 * over the event bus: text limits, metadata limits, and no NUL characters or lone surrogates in
 * any string. Violations are 400 problems with a JSON pointer; nothing is written.
 */
public final class InputRules {

  /** The members of a message a client sends (MessageInput in openapi.yaml). */
  private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "sources", "selected_text", "metadata",
      "tool_calls", "tool_call_id");
  /** A turn's own messages (internal): also the model and status of an answer, and a count the turn already took. */
  private static final Set<String> ANSWER_FIELDS = Set.of("role", "content", "sources", "selected_text", "metadata",
      "tool_calls", "tool_call_id", "model", "status", "token_count");
  private static final Set<String> TOOL_CALL_FIELDS = Set.of("id", "type", "function");
  private static final Set<String> FUNCTION_CALL_FIELDS = Set.of("name", "arguments");
  /** Tool calls one assistant message may carry, and the longest call id. */
  public static final int MAX_TOOL_CALLS = 64;
  public static final int MAX_TOOL_CALL_ID_CHARS = 256;

  private final Limits limits;

  public InputRules(Limits limits) {
    this.limits = limits;
  }

  public Limits limits() {
    return limits;
  }

  /** Rejects NUL characters and lone surrogates in every string and key of {@code value}, and non-finite numbers. */
  public static void checkText(Object value, String pointer) {
    if (value instanceof String s) {
      checkString(s, pointer);
    } else if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
      throw Problem.invalid(pointer, "Numbers must be finite");
    } else if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        String child = pointer + "/" + escape(e.getKey());
        checkString(e.getKey(), child);
        checkText(e.getValue(), child);
      }
    } else if (value instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        checkText(a.getValue(i), pointer + "/" + i);
      }
    }
  }

  private static void checkString(String s, String pointer) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        throw Problem.invalid(pointer, "NUL characters are not allowed");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw Problem.invalid(pointer, "Lone surrogate characters are not allowed");
      }
      if (Character.isLowSurrogate(c)) {
        throw Problem.invalid(pointer, "Lone surrogate characters are not allowed");
      }
    }
  }

  /** {@code key} as a JSON pointer segment (RFC 6901). */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  /** The title, or null when absent; 400 when too long or not a string. */
  public String title(JsonObject body) {
    Object title = body.getValue("title");
    if (title == null) {
      return null;
    }
    if (!(title instanceof String s)) {
      throw Problem.invalid("/title", "title must be a string");
    }
    String trimmed = s.strip();
    if (trimmed.codePointCount(0, trimmed.length()) > limits.titleChars()) {
      throw Problem.invalid("/title", "title must be at most " + limits.titleChars() + " characters");
    }
    return trimmed.isEmpty() ? null : trimmed;
  }

  /** Metadata as given, or an empty object when absent; 400 when it breaks a limit. */
  public JsonObject metadata(Object value, String pointer) {
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject metadata)) {
      throw Problem.invalid(pointer, "metadata must be an object");
    }
    if (metadata.size() > limits.metadataKeys()) {
      throw Problem.invalid(pointer, "metadata may have at most " + limits.metadataKeys() + " keys");
    }
    for (Map.Entry<String, Object> e : metadata) {
      String child = pointer + "/" + escape(e.getKey());
      if (e.getKey().isEmpty() || e.getKey().length() > limits.metadataKeyChars()) {
        throw Problem.invalid(child, "metadata keys must have 1 to " + limits.metadataKeyChars() + " characters");
      }
      Object v = e.getValue();
      if (v instanceof JsonObject || v instanceof JsonArray) {
        throw Problem.invalid(child, "metadata values must be strings, numbers, booleans or null");
      }
      if (v != null && v.toString().length() > limits.metadataValueChars()) {
        throw Problem.invalid(child, "metadata values must be at most " + limits.metadataValueChars() + " characters");
      }
    }
    return metadata;
  }

  /**
   * The messages of an append or create, at least {@code min} and at most the configured maximum.
   * Token counts are left at zero: {@link MessageTokens} fills them in.
   */
  public List<NewMessage> messages(Object value, String pointer, int min) {
    return messages(value, pointer, min, false);
  }

  /**
   * A message of an import (a Message object as exported): what a turn's messages may carry; the
   * exported members that Parley assigns itself (id, seq, token_count, ...) are taken and ignored.
   */
  public NewMessage importedMessage(Object value, String pointer) {
    if (value instanceof JsonObject m) {
      JsonObject kept = m.copy();
      for (String assigned : IMPORT_IGNORED) {
        kept.remove(assigned);
      }
      kept.remove("token_count");
      return message(kept, pointer, true);
    }
    return message(value, pointer, true);
  }

  /** Members of an exported message that an import does not take over. */
  private static final Set<String> IMPORT_IGNORED = Set.of("id", "object", "conversation_id", "seq", "created_at",
      "branch", "off_path");

  /** A model's answer, stored whole: every rule but the content limit, which is for what clients send. */
  public List<NewMessage> answerMessages(Object value, String pointer) {
    return messages(value, pointer, 1, true);
  }

  private List<NewMessage> messages(Object value, String pointer, int min, boolean answer) {
    if (value == null && min == 0) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw Problem.invalid(pointer, "messages must be an array");
    }
    if (array.size() < min || array.size() > limits.messagesPerRequest()) {
      throw Problem.invalid(pointer, "messages must hold " + min + " to " + limits.messagesPerRequest() + " items");
    }
    List<NewMessage> messages = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      messages.add(message(array.getValue(i), pointer + "/" + i, answer));
    }
    return messages;
  }

  private NewMessage message(Object value, String pointer, boolean answer) {
    if (!(value instanceof JsonObject m)) {
      throw Problem.invalid(pointer, "each message must be an object");
    }
    Fields.only(m, pointer, answer ? ANSWER_FIELDS : MESSAGE_FIELDS);
    Role r = Wire.parse(Role.class, m.getValue("role"));
    if (r == null) {
      throw Problem.invalid(pointer + "/role", "role must be one of system, user, assistant, tool");
    }
    Object content = m.getValue("content");
    if (!(content instanceof String text)) {
      throw Problem.invalid(pointer + "/content", "content must be a string");
    }
    if (text.length() > limits.contentChars() && !(answer && r == Role.ASSISTANT)) {
      throw Problem.invalid(pointer + "/content", "content must be at most " + limits.contentChars() + " characters");
    }
    JsonArray toolCalls = m.getValue("tool_calls") == null ? null : toolCalls(m.getValue("tool_calls"), pointer + "/tool_calls");
    if (toolCalls != null && r != Role.ASSISTANT) {
      throw Problem.invalid(pointer + "/tool_calls", "only an assistant message carries tool_calls");
    }
    String toolCallId = m.getValue("tool_call_id") == null ? null : toolCallId(m.getValue("tool_call_id"), pointer + "/tool_call_id");
    if (toolCallId != null && r != Role.TOOL) {
      throw Problem.invalid(pointer + "/tool_call_id", "only a tool message (role tool) carries tool_call_id");
    }
    if (text.isEmpty() && toolCalls == null) {
      throw Problem.invalid(pointer + "/content", "content must not be empty");
    }
    Object model = m.getValue("model");
    if (model != null && !(model instanceof String)) {
      throw Problem.invalid(pointer + "/model", "model must be a string");
    }
    MessageStatus status = Fields.oneOf(MessageStatus.class, m.getValue("status"), pointer + "/status", "status",
        MessageStatus.COMPLETE);
    Object counted = answer ? m.getValue("token_count") : null;
    if (counted != null && !(counted instanceof Integer n && n >= 0)) {
      throw Problem.invalid(pointer + "/token_count", "token_count must be a non-negative integer");
    }
    return new NewMessage(r, text, counted == null ? 0 : (Integer) counted, (String) model,
        optionalArray(m, "sources", pointer), selectedText(m.getValue("selected_text"), pointer + "/selected_text"),
        metadata(m.getValue("metadata"), pointer + "/metadata"), toolCalls, toolCallId, status);
  }

  /**
   * Tool calls as an assistant message holds them (OpenAI's shape, whatever the provider):
   * [{id, type: "function", function: {name, arguments (a JSON text)}}], 1 to {@link #MAX_TOOL_CALLS}.
   */
  public static JsonArray toolCalls(Object value, String pointer) {
    if (!(value instanceof JsonArray calls) || calls.isEmpty() || calls.size() > MAX_TOOL_CALLS) {
      throw Problem.invalid(pointer, "tool_calls must be an array of 1 to " + MAX_TOOL_CALLS + " tool calls");
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < calls.size(); i++) {
      String at = pointer + "/" + i;
      if (!(calls.getValue(i) instanceof JsonObject call)) {
        throw Problem.invalid(at, "each tool call must be an object");
      }
      Fields.only(call, at, TOOL_CALL_FIELDS);
      if (!ids.add(toolCallId(call.getValue("id"), at + "/id"))) {
        throw Problem.invalid(at + "/id", "tool call ids must be unique within a message");
      }
      if (!"function".equals(call.getValue("type"))) {
        throw Problem.invalid(at + "/type", "type must be function");
      }
      JsonObject function = Fields.object(call.getValue("function"), at + "/function");
      Fields.only(function, at + "/function", FUNCTION_CALL_FIELDS);
      functionName(function.getValue("name"), at + "/function/name");
      if (!(function.getValue("arguments") instanceof String)) {
        throw Problem.invalid(at + "/function/arguments", "arguments must be a string (JSON text)");
      }
    }
    return calls;
  }

  /** A tool call's id: 1 to {@link #MAX_TOOL_CALL_ID_CHARS} characters. */
  public static String toolCallId(Object value, String pointer) {
    if (!(value instanceof String id) || id.isEmpty() || id.length() > MAX_TOOL_CALL_ID_CHARS) {
      throw Problem.invalid(pointer, "a tool call id must be a string of 1 to " + MAX_TOOL_CALL_ID_CHARS + " characters");
    }
    return id;
  }

  /** A function's name as every provider takes it: 1 to 64 of a-z, A-Z, 0-9, _ and -. */
  public static String functionName(Object value, String pointer) {
    if (!(value instanceof String name) || !name.matches("[a-zA-Z0-9_-]{1,64}")) {
      throw Problem.invalid(pointer, "a function name must be 1 to 64 letters, digits, _ or -");
    }
    return name;
  }

  /** The text the user had selected: a string within the content limit, or null. */
  public String selectedText(Object value, String pointer) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw Problem.invalid(pointer, "selected_text must be a string or null");
    }
    if (text.length() > limits.contentChars()) {
      throw Problem.invalid(pointer, "selected_text must be at most " + limits.contentChars() + " characters");
    }
    return text;
  }

  private static JsonArray optionalArray(JsonObject m, String field, String pointer) {
    Object value = m.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array)) {
      throw Problem.invalid(pointer + "/" + field, field + " must be an array");
    }
    return array;
  }
}
