package dev.parley.llm.provider;

import dev.parley.model.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.UUID;

/**
 * The built-in provider when no LLM is configured: a deterministic, clearly labelled reply, streamed
 * word by word, with usage counted by the same tokenizer as stored messages.
 *
 * <p>It can be told to call a tool, so tool calling is testable with nothing configured: with
 * {@code tools}, it calls one when {@code tool_choice} is {@code required} or names a function, or
 * (auto) when the user's message names a tool. The call's arguments follow the tool's parameter
 * schema: strings get the user's message, numbers 1, booleans true. After tool results it answers
 * with what the tools returned.
 */
public final class PlaceholderProvider implements Provider {

  static final String PREFIX = "[placeholder] ";

  private final TokenCounter tokens;

  public PlaceholderProvider(TokenCounter tokens) {
    this.tokens = tokens;
  }

  @Override
  public Call start(ProviderRequest request, Deltas deltas) {
    int promptTokens = request.system() == null ? 0 : tokens.count(request.system());
    int messages = request.messages().size();
    for (Object m : request.messages()) {
      promptTokens += tokens.count(((JsonObject) m).getString("content"));
    }
    if (request.tools() != null) {
      promptTokens += tokens.count(request.tools().encode());
    }
    JsonObject last = messages == 0 ? new JsonObject() : request.messages().getJsonObject(messages - 1);
    JsonObject call = "user".equals(last.getString("role")) ? toolCall(request, last.getString("content")) : null;
    String reply;
    if (call != null) {
      reply = "";
    } else if ("tool".equals(last.getString("role"))) {
      reply = PREFIX + "The tool answered: " + last.getString("content");
    } else {
      reply = PREFIX + "No LLM provider is configured, so Parley answers with this placeholder. "
          + "Your conversation context had " + messages + " message" + (messages == 1 ? "" : "s")
          + " and " + promptTokens + " tokens. Set PARLEY_OPENAI_API_KEY or PARLEY_ANTHROPIC_API_KEY for real answers.";
    }
    JsonArray calls = call == null ? null : new JsonArray().add(call);
    int completion = tokens.count(reply) + (call == null ? 0 : tokens.count(call.encode()));
    ProviderResult result = new ProviderResult(reply, calls, promptTokens, completion, call == null ? "stop" : "tool_calls");
    StringBuilder sent = new StringBuilder();
    if (request.stream()) {
      for (String word : reply.isEmpty() ? new String[0] : reply.split("(?<= )")) {
        deltas.text(word);
        sent.append(word);
      }
      if (call != null) {
        JsonObject fn = call.getJsonObject("function");
        String arguments = fn.getString("arguments");
        int half = arguments.length() / 2;
        deltas.toolCall(0, call.getString("id"), fn.getString("name"), arguments.substring(0, half));
        deltas.toolCall(0, null, null, arguments.substring(half));
      }
    }
    boolean streamed = request.stream() && (sent.length() > 0 || call != null);
    return new Call() {
      @Override
      public Future<ProviderResult> result() {
        return Future.succeededFuture(result);
      }

      @Override
      public void cancel() {
        // already complete
      }

      @Override
      public String partialContent() {
        return sent.toString();
      }

      @Override
      public boolean streamedAny() {
        return streamed;
      }
    };
  }

  /** The call the placeholder makes for the user's {@code text}, or null when it answers in text. */
  private static JsonObject toolCall(ProviderRequest request, String text) {
    if (request.tools() == null || "none".equals(request.toolChoice())) {
      return null;
    }
    JsonObject chosen = null;
    for (Object t : request.tools()) {
      JsonObject fn = ((JsonObject) t).getJsonObject("function");
      String name = fn.getString("name");
      if (name.equals(request.forcedFunction()) || request.forcedFunction() == null && text.contains(name)) {
        chosen = fn;
        break;
      }
    }
    if (chosen == null && "required".equals(request.toolChoice())) {
      chosen = ((JsonObject) request.tools().getValue(0)).getJsonObject("function");
    }
    if (chosen == null) {
      return null;
    }
    JsonObject arguments = new JsonObject();
    JsonObject properties = chosen.getJsonObject("parameters", new JsonObject()).getJsonObject("properties", new JsonObject());
    for (Map.Entry<String, Object> property : properties) {
      String type = property.getValue() instanceof JsonObject schema ? schema.getString("type", "string") : "string";
      arguments.put(property.getKey(), switch (type) {
        case "integer", "number" -> 1;
        case "boolean" -> true;
        case "array" -> new JsonArray();
        case "object" -> new JsonObject();
        default -> text;
      });
    }
    return ToolCallPieces.call("call_" + UUID.randomUUID().toString().replace("-", ""), chosen.getString("name"),
        arguments.encode());
  }
}
