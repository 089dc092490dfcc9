package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.ChatCompletion;
import dev.parley.bus.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

/**
 * OpenAI-compatible endpoints, so that any OpenAI client can use Parley: POST /v1/chat/completions
 * (JSON, or with stream true OpenAI's chunk stream ending in [DONE], a usage chunk when
 * stream_options.include_usage) and GET /v1/models. The header X-Parley-Conversation-Id names a
 * conversation whose history Parley keeps ("new" starts one); the answer names it in the same
 * header. Errors on these paths are in OpenAI's error shape ({@link #error}).
 */
final class CompletionsRoutes {

  static final String CONVERSATION_HEADER = "X-Parley-Conversation-Id";

  private final BusForwarder bus;
  private final ChatStream stream;
  private final long timeoutMs;

  CompletionsRoutes(BusForwarder bus, ChatStream stream, long timeoutMs) {
    this.bus = bus;
    this.stream = stream;
    this.timeoutMs = timeoutMs;
  }

  /** Whether failures on this path are told in OpenAI's error shape. */
  static boolean openAiPath(String path) {
    return path != null && (path.startsWith("/v1/chat/completions") || path.startsWith("/v1/models"));
  }

  /**
   * A problem in OpenAI's words: {error: {message, type, param, code}}; type from the status
   * (invalid_request_error, authentication_error, permission_error, not_found_error,
   * rate_limit_error, api_error), code the problem's own type, param the JSON pointer it names.
   */
  static JsonObject error(Problem problem) {
    int status = problem.status();
    String type = switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
    JsonArray errors = problem.errors();
    String param = errors == null || errors.isEmpty() ? null : errors.getJsonObject(0).getString("pointer");
    String detail = problem.detail() == null ? problem.type().title() : problem.detail();
    String code = problem.type().uri().substring("/problems/".length());
    return new JsonObject().put("error", new JsonObject().put("message", detail).put("type", type)
        .put("param", param == null || param.length() < 2 ? null : param.substring(1)).put("code", code));
  }

  void models(RoutingContext rc) {
    bus.forward(Addresses.MODELS_LIST, p -> new JsonObject()).handle(rc);
  }

  void complete(RoutingContext rc) {
    String user = BusForwarder.user(rc);
    if (user == null) {
      return;
    }
    BusForwarder.Params params = BusForwarder.params(rc);
    JsonObject completion = params.body();
    boolean streamed = Boolean.TRUE.equals(completion.remove("stream"));
    Object options = completion.remove("stream_options");
    boolean includeUsage = options instanceof JsonObject o && Boolean.TRUE.equals(o.getValue("include_usage"));
    String conversation = rc.request().getHeader(CONVERSATION_HEADER);
    if (conversation != null && !ChatCompletion.NEW.equals(conversation) && !isUuid(conversation)) {
      Problems.send(rc, Problem.invalid("/" + CONVERSATION_HEADER,
          CONVERSATION_HEADER + " must be a conversation id, or new to start one"));
      return;
    }
    JsonObject body = new JsonObject().put("completion", completion).put("conversation_id", conversation);
    if (!streamed) {
      bus.forward(Addresses.CHAT_COMPLETIONS, p -> body, true, timeoutMs, reply -> {
        String id = reply.getString("conversation_id");
        if (id != null) {
          rc.response().putHeader(CONVERSATION_HEADER, id);
        }
        return reply.getJsonObject("completion");
      }).handle(rc);
      return;
    }
    if (conversation != null && !ChatCompletion.NEW.equals(conversation)) {
      rc.response().putHeader(CONVERSATION_HEADER, conversation);
    }
    stream.open(rc, user, Addresses.CHAT_COMPLETIONS, body, new Chunks(rc, completion.getString("model"), includeUsage), null);
  }

  private static boolean isUuid(String value) {
    try {
      UUID.fromString(value);
      return value.length() == 36;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * A streamed turn as OpenAI's chat.completion.chunk events: the first delta carries the role,
   * tool calls come as tool_calls deltas by index, the last chunk carries finish_reason, then the
   * usage chunk (when asked for) and data: [DONE]. A failure after the first chunk is a data event
   * with an error object.
   */
  private static final class Chunks implements ChatStream.Format {

    private final RoutingContext rc;
    private final String id = "chatcmpl-" + UUID.randomUUID();
    private final long created = System.currentTimeMillis() / 1000;
    private final String model;
    private final boolean includeUsage;
    private boolean roleSent;

    Chunks(RoutingContext rc, String model, boolean includeUsage) {
      this.rc = rc;
      this.model = model;
      this.includeUsage = includeUsage;
    }

    @Override
    public void event(SseResponse stream, String eventId, String name, JsonObject data) {
      switch (name) {
        case "turn" -> {
          // A turn with memory announces its conversation first: the header goes out with the first chunk.
          if (!stream.started()) {
            rc.response().putHeader(CONVERSATION_HEADER, data.getString("conversation_id"));
          }
        }
        case "delta" -> chunk(stream, delta().put("content", data.getString("content")), null);
        case "tool_call" -> {
          JsonObject call = new JsonObject().put("index", data.getInteger("index"));
          if (data.getString("id") != null) {
            call.put("id", data.getString("id")).put("type", "function");
          }
          JsonObject function = new JsonObject().put("arguments", data.getString("arguments", ""));
          if (data.getString("name") != null) {
            function.put("name", data.getString("name"));
          }
          chunk(stream, delta().put("tool_calls", new JsonArray().add(call.put("function", function))), null);
        }
        default -> {
          // message and error: the bus reply tells the end
        }
      }
    }

    private JsonObject delta() {
      JsonObject delta = new JsonObject();
      if (!roleSent) {
        roleSent = true;
        delta.put("role", "assistant");
      }
      return delta;
    }

    private void chunk(SseResponse stream, JsonObject delta, String finishReason) {
      JsonObject chunk = new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
          .put("model", model)
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta).putNull("logprobs")
              .put("finish_reason", finishReason)));
      if (includeUsage) {
        chunk.putNull("usage");
      }
      stream.data(chunk.encode());
    }

    @Override
    public void answered(SseResponse stream, String eventId, JsonObject reply) {
      JsonObject completion = reply.getJsonObject("completion");
      JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
      chunk(stream, delta(), choice.getString("finish_reason"));
      if (includeUsage) {
        stream.data(new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
            .put("model", model).put("choices", new JsonArray()).put("usage", completion.getJsonObject("usage")).encode());
      }
      stream.data("[DONE]");
      stream.end();
    }

    @Override
    public void failed(SseResponse stream, String eventId, Problem problem) {
      stream.data(error(problem).encode());
      stream.end();
    }
  }
}
