package dev.parley.cli;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code java -jar parley.jar fake-llm [port] [latency-ms]}: an OpenAI-compatible Chat Completions
 * server that answers every request with a fixed short text after a fixed latency, as JSON or as
 * an SSE stream. For load tests (bench/run) that measure Parley's own overhead; never for users.
 */
public final class FakeLlmCommand {

  private static final String TEXT = "This is a fixed answer from the load-test model.";

  private FakeLlmCommand() {
  }

  public static int run(String[] args) {
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 9900;
    long latencyMs = args.length > 2 ? Long.parseLong(args[2]) : 0;
    Vertx vertx = Vertx.vertx();
    int instances = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < instances; i++) {
      vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
        Runnable answer = () -> answer(request, body.length() > 0 && body.toJsonObject().getBoolean("stream", false));
        if (latencyMs > 0) {
          vertx.setTimer(latencyMs, id -> answer.run());
        } else {
          answer.run();
        }
      })).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    }
    System.out.println("fake-llm listening on http://127.0.0.1:" + port + "/v1 with " + latencyMs + " ms latency");
    return 0;
  }

  private static void answer(HttpServerRequest request, boolean stream) {
    JsonObject usage = new JsonObject().put("prompt_tokens", 20).put("completion_tokens", 11).put("total_tokens", 31);
    if (!stream) {
      request.response().putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("id", "chatcmpl-bench").put("object", "chat.completion")
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
              .put("message", new JsonObject().put("role", "assistant").put("content", TEXT))))
          .put("usage", usage).encode());
      return;
    }
    StringBuilder sse = new StringBuilder();
    for (String word : TEXT.split("(?<= )")) {
      sse.append("data: ").append(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
          .put("delta", new JsonObject().put("content", word))))).append("\n\n");
    }
    sse.append("data: ").append(new JsonObject().put("choices", new JsonArray()).put("usage", usage)).append("\n\n");
    sse.append("data: [DONE]\n\n");
    request.response().putHeader("Content-Type", "text/event-stream").end(sse.toString());
  }
}
