package dev.parley.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A fake LLM provider: a real HTTP server speaking OpenAI Chat Completions (/v1/chat/completions)
 * and Anthropic Messages (/v1/messages), as JSON or as SSE streams, with scripted behaviours
 * (errors, delays, cut streams) taken in order, then a default answer. It records every request.
 */
public final class FakeProvider implements AutoCloseable {

  public static final int PROMPT_TOKENS = 11;
  public static final int COMPLETION_TOKENS = 7;

  /** What to do with one request. */
  @FunctionalInterface
  public interface Behaviour {
    void respond(Call call);
  }

  /** One received request, with helpers to answer it in its own protocol. */
  public static final class Call {
    public final HttpServerRequest request;
    public final JsonObject body;
    public final boolean anthropic;
    /** Streamed pieces written so far. */
    public final java.util.concurrent.atomic.AtomicInteger piecesSent = new java.util.concurrent.atomic.AtomicInteger();
    private final Vertx vertx;

    Call(Vertx vertx, HttpServerRequest request, JsonObject body) {
      this.vertx = vertx;
      this.request = request;
      this.body = body;
      this.anthropic = request.path().endsWith("/v1/messages");
    }

    public boolean streaming() {
      return body.getBoolean("stream", false);
    }

    /** The text of every message sent, system included. */
    public String promptText() {
      StringBuilder all = new StringBuilder(body.getString("system", ""));
      for (Object m : body.getJsonArray("messages", new JsonArray())) {
        Object content = ((JsonObject) m).getValue("content");
        all.append('\n').append(content instanceof String s ? s : String.valueOf(content));
      }
      return all.toString();
    }

    public JsonArray messages() {
      return body.getJsonArray("messages");
    }

    public void reply(String text) {
      reply(List.of(text), 0, -1);
    }

    /** Answers with {@code pieces} (streamed one per event when streaming, {@code gapMs} apart). */
    public void reply(List<String> pieces, long gapMs, int cutAfter) {
      HttpServerResponse response = request.response();
      if (!streaming()) {
        String text = String.join("", pieces);
        response.putHeader("Content-Type", "application/json").end(anthropic ? anthropicJson(text).encode() : openAiJson(text).encode());
        return;
      }
      response.setChunked(true).putHeader("Content-Type", "text/event-stream");
      if (anthropic) {
        response.write(sse("message_start", new JsonObject().put("type", "message_start").put("message",
            new JsonObject().put("usage", new JsonObject().put("input_tokens", PROMPT_TOKENS).put("output_tokens", 1)))));
        response.write(sse("content_block_start", new JsonObject().put("type", "content_block_start").put("index", 0)));
        response.write(sse("ping", new JsonObject().put("type", "ping")));
      }
      streamPieces(response, pieces, 0, gapMs, cutAfter);
    }

    private void streamPieces(HttpServerResponse response, List<String> pieces, int index, long gapMs, int cutAfter) {
      if (response.closed()) {
        return;
      }
      if (cutAfter >= 0 && index == cutAfter) {
        response.reset();
        return;
      }
      if (index == pieces.size()) {
        if (anthropic) {
          response.write(sse("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", 0)));
          response.write(sse("message_delta", new JsonObject().put("type", "message_delta")
              .put("delta", new JsonObject().put("stop_reason", "end_turn"))
              .put("usage", new JsonObject().put("output_tokens", COMPLETION_TOKENS))));
          response.end(sse("message_stop", new JsonObject().put("type", "message_stop")));
        } else {
          response.write(data(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
              .put("delta", new JsonObject()).put("finish_reason", "stop")))));
          response.write(data(new JsonObject().put("choices", new JsonArray()).put("usage", usage())));
          response.end("data: [DONE]\n\n");
        }
        return;
      }
      String piece = pieces.get(index);
      response.write(anthropic
          ? sse("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", 0)
              .put("delta", new JsonObject().put("type", "text_delta").put("text", piece)))
          : data(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
              .put("delta", new JsonObject().put("content", piece))))));
      piecesSent.incrementAndGet();
      if (gapMs > 0) {
        vertx.setTimer(gapMs, id -> streamPieces(response, pieces, index + 1, gapMs, cutAfter));
      } else {
        streamPieces(response, pieces, index + 1, gapMs, cutAfter);
      }
    }

    /**
     * OpenAI only: streams {@code totalChars} of answer in large deltas as fast as the reader takes
     * them, honouring back-pressure (writes only while the write queue has room), and adds every
     * byte handed to the connection to {@code written}.
     */
    public void flood(int totalChars, java.util.concurrent.atomic.AtomicLong written) {
      HttpServerResponse response = request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
      String piece = "x".repeat(4096);
      floodMore(response, totalChars, piece, written);
    }

    private void floodMore(HttpServerResponse response, int remaining, String piece, java.util.concurrent.atomic.AtomicLong written) {
      int left = remaining;
      while (left > 0 && !response.writeQueueFull() && !response.closed()) {
        String event = data(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("delta", new JsonObject().put("content", piece)))));
        response.write(event);
        written.addAndGet(event.length());
        left -= piece.length();
      }
      if (response.closed()) {
        return;
      }
      if (left <= 0) {
        response.write(data(new JsonObject().put("choices", new JsonArray()).put("usage", usage())));
        response.end("data: [DONE]\n\n");
        return;
      }
      int next = left;
      response.drainHandler(v -> floodMore(response, next, piece, written));
    }

    /**
     * Answers with tool calls in the request's protocol, after {@code text} (may be empty): each
     * call {id, name, arguments (a JSON text)}. Streamed: OpenAI tool_call deltas by index (id and
     * name first, the arguments in two pieces); Anthropic tool_use content blocks with
     * input_json_delta pieces (after a text block when there is text).
     */
    public void callTools(String text, List<JsonObject> toolCalls) {
      HttpServerResponse response = request.response();
      if (!streaming()) {
        JsonObject answer;
        if (anthropic) {
          JsonArray content = new JsonArray();
          if (!text.isEmpty()) {
            content.add(new JsonObject().put("type", "text").put("text", text));
          }
          toolCalls.forEach(c -> content.add(new JsonObject().put("type", "tool_use").put("id", c.getString("id"))
              .put("name", c.getString("name")).put("input", new JsonObject(c.getString("arguments")))));
          answer = new JsonObject().put("id", "msg_fake").put("type", "message").put("role", "assistant")
              .put("content", content).put("stop_reason", "tool_use")
              .put("usage", new JsonObject().put("input_tokens", PROMPT_TOKENS).put("output_tokens", COMPLETION_TOKENS));
        } else {
          JsonArray calls = new JsonArray();
          toolCalls.forEach(c -> calls.add(new JsonObject().put("id", c.getString("id")).put("type", "function")
              .put("function", new JsonObject().put("name", c.getString("name")).put("arguments", c.getString("arguments")))));
          answer = new JsonObject().put("id", "chatcmpl-fake").put("object", "chat.completion")
              .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
                  .put("message", new JsonObject().put("role", "assistant").put("content", text.isEmpty() ? null : text)
                      .put("tool_calls", calls))
                  .put("finish_reason", "tool_calls")))
              .put("usage", usage());
        }
        response.putHeader("Content-Type", "application/json").end(answer.encode());
        return;
      }
      response.setChunked(true).putHeader("Content-Type", "text/event-stream");
      if (anthropic) {
        response.write(sse("message_start", new JsonObject().put("type", "message_start").put("message",
            new JsonObject().put("usage", new JsonObject().put("input_tokens", PROMPT_TOKENS).put("output_tokens", 1)))));
        int block = 0;
        if (!text.isEmpty()) {
          response.write(sse("content_block_start", new JsonObject().put("type", "content_block_start").put("index", 0)
              .put("content_block", new JsonObject().put("type", "text").put("text", ""))));
          response.write(sse("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", 0)
              .put("delta", new JsonObject().put("type", "text_delta").put("text", text))));
          response.write(sse("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", 0)));
          block = 1;
        }
        for (JsonObject c : toolCalls) {
          response.write(sse("content_block_start", new JsonObject().put("type", "content_block_start").put("index", block)
              .put("content_block", new JsonObject().put("type", "tool_use").put("id", c.getString("id"))
                  .put("name", c.getString("name")).put("input", new JsonObject()))));
          for (String piece : halves(c.getString("arguments"))) {
            response.write(sse("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", block)
                .put("delta", new JsonObject().put("type", "input_json_delta").put("partial_json", piece))));
          }
          response.write(sse("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", block)));
          block++;
        }
        response.write(sse("message_delta", new JsonObject().put("type", "message_delta")
            .put("delta", new JsonObject().put("stop_reason", "tool_use"))
            .put("usage", new JsonObject().put("output_tokens", COMPLETION_TOKENS))));
        response.end(sse("message_stop", new JsonObject().put("type", "message_stop")));
        return;
      }
      if (!text.isEmpty()) {
        response.write(data(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("delta", new JsonObject().put("role", "assistant").put("content", text))))));
      }
      for (int i = 0; i < toolCalls.size(); i++) {
        JsonObject c = toolCalls.get(i);
        response.write(toolCallChunk(new JsonObject().put("index", i).put("id", c.getString("id")).put("type", "function")
            .put("function", new JsonObject().put("name", c.getString("name")).put("arguments", ""))));
        for (String piece : halves(c.getString("arguments"))) {
          response.write(toolCallChunk(new JsonObject().put("index", i)
              .put("function", new JsonObject().put("arguments", piece))));
        }
      }
      response.write(data(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
          .put("delta", new JsonObject()).put("finish_reason", "tool_calls")))));
      response.write(data(new JsonObject().put("choices", new JsonArray()).put("usage", usage())));
      response.end("data: [DONE]\n\n");
    }

    private static String toolCallChunk(JsonObject piece) {
      return data(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
          .put("delta", new JsonObject().put("tool_calls", new JsonArray().add(piece))))));
    }

    private static List<String> halves(String text) {
      return List.of(text.substring(0, text.length() / 2), text.substring(text.length() / 2));
    }

    /** Anthropic only: streams {@code piece}, then an in-stream error event (the connection stays open). */
    public void anthropicStreamError(String piece, String errorType) {
      HttpServerResponse response = request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
      response.write(sse("message_start", new JsonObject().put("type", "message_start").put("message",
          new JsonObject().put("usage", new JsonObject().put("input_tokens", PROMPT_TOKENS).put("output_tokens", 1)))));
      response.write(sse("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", 0)
          .put("delta", new JsonObject().put("type", "text_delta").put("text", piece))));
      response.end(sse("error", new JsonObject().put("type", "error")
          .put("error", new JsonObject().put("type", errorType).put("message", "Overloaded"))));
    }

    public void status(int status, String retryAfter, JsonObject body) {
      HttpServerResponse response = request.response().setStatusCode(status).putHeader("Content-Type", "application/json");
      if (retryAfter != null) {
        response.putHeader("Retry-After", retryAfter);
      }
      response.end(body.encode());
    }

    /** The provider's own "context too long" answer, in its protocol. */
    public void contextTooLong() {
      status(400, null, anthropic
          ? new JsonObject().put("type", "error").put("error", new JsonObject().put("type", "invalid_request_error")
              .put("message", "prompt is too long: 250000 tokens > 200000 maximum"))
          : new JsonObject().put("error", new JsonObject().put("message", "This model's maximum context length is 128000 tokens")
              .put("type", "invalid_request_error").put("code", "context_length_exceeded")));
    }

    private static JsonObject usage() {
      return new JsonObject().put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", COMPLETION_TOKENS)
          .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
    }

    private static JsonObject openAiJson(String text) {
      return new JsonObject().put("id", "chatcmpl-fake").put("object", "chat.completion")
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
              .put("message", new JsonObject().put("role", "assistant").put("content", text)).put("finish_reason", "stop")))
          .put("usage", usage());
    }

    private static JsonObject anthropicJson(String text) {
      return new JsonObject().put("id", "msg_fake").put("type", "message").put("role", "assistant")
          .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text)))
          .put("stop_reason", "end_turn")
          .put("usage", new JsonObject().put("input_tokens", PROMPT_TOKENS).put("output_tokens", COMPLETION_TOKENS));
    }

    private static String sse(String event, JsonObject data) {
      return "event: " + event + "\ndata: " + data.encode() + "\n\n";
    }

    private static String data(JsonObject data) {
      return "data: " + data.encode() + "\n\n";
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final Deque<Behaviour> script = new ConcurrentLinkedDeque<>();
  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
  private final HttpServer server;
  private volatile Behaviour fallback = call -> call.reply("Hello from the fake model.");

  public FakeProvider() {
    server = TestServer.await(vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSendBufferSize(32 * 1024)).requestHandler(request -> request.body().onSuccess(body -> {
      Call call = new Call(vertx, request, body.length() == 0 ? new JsonObject() : body.toJsonObject());
      calls.add(call);
      Behaviour next = script.poll();
      (next == null ? fallback : next).respond(call);
    })).listen(0, "127.0.0.1"));
  }

  public int port() {
    return server.actualPort();
  }

  /** The settings that point a Parley node at this fake for both protocols. */
  public java.util.Map<String, String> env() {
    return java.util.Map.of(
        "PARLEY_OPENAI_BASE_URL", "http://127.0.0.1:" + port() + "/v1",
        "PARLEY_OPENAI_API_KEY", "sk-test-openai-canary",
        "PARLEY_ANTHROPIC_BASE_URL", "http://127.0.0.1:" + port(),
        "PARLEY_ANTHROPIC_API_KEY", "sk-ant-test-canary");
  }

  public FakeProvider then(Behaviour behaviour) {
    script.add(behaviour);
    return this;
  }

  public void fallback(Behaviour behaviour) {
    this.fallback = behaviour;
  }

  public List<Call> calls() {
    synchronized (calls) {
      return new ArrayList<>(calls);
    }
  }

  /** The calls of chat turns, without background summary refreshes (which may land at any time). */
  public List<Call> chatCalls() {
    return calls().stream().filter(c -> !c.promptText().contains("running summary")).toList();
  }

  public Call lastCall() {
    List<Call> all = calls();
    return all.get(all.size() - 1);
  }

  public void reset() {
    script.clear();
    calls.clear();
    fallback = call -> call.reply("Hello from the fake model.");
  }

  @Override
  public void close() {
    TestServer.await(vertx.close());
  }
}
