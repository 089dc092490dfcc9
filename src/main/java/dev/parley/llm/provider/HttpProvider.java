package dev.parley.llm.provider;

import dev.parley.llm.provider.ProviderException.Kind;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The transport shared by the HTTP providers: one POST with a JSON body, answered as JSON or as
 * Server-Sent Events; first-token and total time-outs; cancellation. Subclasses speak the protocol.
 * Uses the core HttpClient (which vertx-web-client wraps) because a call must be abortable
 * mid-stream.
 */
public abstract class HttpProvider implements Provider {

  static final int MIN_ANSWER_CAP_CHARS = 64 * 1024;
  static final int CHARS_PER_TOKEN_CAP = 32;

  private final Vertx vertx;
  private final HttpClient client;
  private final long firstTokenTimeoutMs;
  private final long totalTimeoutMs;

  protected HttpProvider(Vertx vertx, HttpClient client, long firstTokenTimeoutMs, long totalTimeoutMs) {
    this.vertx = vertx;
    this.client = client;
    this.firstTokenTimeoutMs = firstTokenTimeoutMs;
    this.totalTimeoutMs = totalTimeoutMs;
  }

  /** The absolute URL the request goes to. */
  protected abstract String url(ProviderRequest request);

  /** Authentication and protocol headers; they are never logged. */
  protected abstract void headers(MultiMap headers);

  protected abstract JsonObject body(ProviderRequest request);

  protected abstract ProviderResult parse(JsonObject response);

  /** Collects one stream event into {@code stream}; throws ProviderException for in-stream errors. */
  protected abstract void onStreamEvent(String event, String data, StreamState stream);

  /** What a streaming answer has produced so far. */
  protected static final class StreamState {
    final StringBuilder content = new StringBuilder();
    Deltas deltas;
    int promptTokens;
    int completionTokens;
    String finishReason;
    final ToolCallPieces toolCalls = new ToolCallPieces();
    boolean toolCallStreamed;
    /** A protocol's own numbering of streamed blocks, to tool call indexes (Anthropic's content blocks). */
    final java.util.Map<Integer, Integer> toolIndexByBlock = new java.util.HashMap<>();
    boolean done;

    void delta(String text) {
      if (text != null && !text.isEmpty()) {
        content.append(text);
        deltas.text(text);
      }
    }

    /** A piece of tool call {@code index}, collected and streamed on. */
    void toolCall(int index, String id, String name, String arguments) {
      toolCalls.add(index, id, name, arguments);
      toolCallStreamed = true;
      deltas.toolCall(index, id, name, arguments == null ? "" : arguments);
    }

    ProviderResult result() {
      return new ProviderResult(content.toString(), toolCalls.calls(), promptTokens, completionTokens, finishReason);
    }
  }

  @Override
  public Call start(ProviderRequest request, Deltas deltas) {
    HttpCall call = new HttpCall(deltas);
    call.run(request);
    return call;
  }

  private final class HttpCall implements Call {

    private final Promise<ProviderResult> promise = Promise.promise();
    private final StreamState stream = new StreamState();
    private HttpClientRequest httpRequest;
    private HttpClientResponse streamResponse;
    private boolean paused;
    private int answerCap;
    private long firstTokenTimer = -1;
    private long totalTimer = -1;
    private boolean firstTokenSeen;

    HttpCall(Deltas deltas) {
      stream.deltas = new Deltas() {
        @Override
        public void text(String text) {
          firstToken();
          deltas.text(text);
        }

        @Override
        public void toolCall(int index, String id, String name, String arguments) {
          firstToken();
          deltas.toolCall(index, id, name, arguments);
        }
      };
    }

    void run(ProviderRequest request) {
      // Models stop at max_tokens; a provider that does not is cut off, so one answer's memory is bounded.
      answerCap = Math.max(MIN_ANSWER_CAP_CHARS, request.maxOutputTokens() * CHARS_PER_TOKEN_CAP);
      firstTokenTimer = vertx.setTimer(firstTokenTimeoutMs,
          id -> abort(ProviderException.of(Kind.TIMEOUT, "no first token within " + firstTokenTimeoutMs + " ms")));
      totalTimer = vertx.setTimer(totalTimeoutMs,
          id -> abort(ProviderException.of(Kind.TIMEOUT, "no complete answer within " + totalTimeoutMs + " ms")));
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url(request));
      MultiMap headers = MultiMap.caseInsensitiveMultiMap()
          .add("Content-Type", "application/json")
          .add("Accept", request.stream() ? "text/event-stream" : "application/json");
      headers(headers);
      options.setHeaders(headers);
      Buffer body = body(request).toBuffer();
      client.request(options)
          .compose(req -> {
            httpRequest = req;
            if (promise.future().isComplete()) {
              req.reset();
              return Future.failedFuture(ProviderException.of(Kind.CANCELLED, "cancelled"));
            }
            return req.send(body);
          })
          .onSuccess(response -> onResponse(request, response))
          .onFailure(e -> fail(e instanceof ProviderException p ? p
              : ProviderException.of(Kind.CONNECTION, "could not reach the provider: " + e.getClass().getSimpleName())));
    }

    private void onResponse(ProviderRequest request, HttpClientResponse response) {
      if (response.statusCode() != 200) {
        long retryAfter = retryAfterMs(response);
        response.body()
            .onSuccess(b -> fail(ProviderException.fromStatus(response.statusCode(), retryAfter, b.toString())))
            .onFailure(e -> fail(ProviderException.fromStatus(response.statusCode(), retryAfter, "")));
        return;
      }
      if (!request.stream()) {
        firstToken();
        Buffer body = Buffer.buffer();
        // The JSON carries the answer with escapes and envelope: allow it a few bytes per character.
        long maxBytes = 4L * answerCap + 64 * 1024;
        response.handler(chunk -> {
          body.appendBuffer(chunk);
          if (body.length() > maxBytes) {
            abort(ProviderException.of(Kind.REJECTED, "the answer is longer than max_output_tokens allows"));
          }
        });
        response.exceptionHandler(e -> fail(ProviderException.of(Kind.CONNECTION, "connection lost while reading the answer")));
        response.endHandler(v -> {
          try {
            promise.tryComplete(parse(body.toJsonObject()));
            cancelTimers();
          } catch (RuntimeException e) {
            fail(e instanceof ProviderException p ? p : ProviderException.of(Kind.REJECTED, "unreadable provider answer"));
          }
        });
        return;
      }
      SseParser parser = new SseParser((event, data) -> {
        if (promise.future().isComplete()) {
          return;
        }
        try {
          onStreamEvent(event, data, stream);
        } catch (ProviderException e) {
          abort(e);
        } catch (RuntimeException e) {
          abort(ProviderException.of(Kind.STREAM_CUT, "unreadable stream event"));
        }
        if (stream.content.length() > answerCap) {
          abort(ProviderException.of(Kind.STREAM_CUT, "the answer is longer than max_output_tokens allows"));
          return;
        }
        if (stream.done) {
          promise.tryComplete(stream.result());
          cancelTimers();
        }
      });
      streamResponse = response;
      if (paused) {
        response.pause();
      }
      response.handler(parser::feed);
      response.exceptionHandler(e -> endedEarly());
      response.endHandler(v -> endedEarly());
    }

    private void endedEarly() {
      if (!promise.future().isComplete()) {
        fail(firstTokenSeen
            ? ProviderException.of(Kind.STREAM_CUT, "the provider ended the stream before it finished")
            : ProviderException.of(Kind.CONNECTION, "the provider closed the stream before any token"));
      }
    }

    private void firstToken() {
      firstTokenSeen = true;
      if (firstTokenTimer >= 0) {
        vertx.cancelTimer(firstTokenTimer);
        firstTokenTimer = -1;
      }
    }

    /** Fails first, then resets: the reset's own failure must not win the race. */
    private void abort(ProviderException e) {
      fail(e);
      if (httpRequest != null) {
        httpRequest.reset();
      }
    }

    private void fail(ProviderException e) {
      // Once a token went out, any later failure is a cut stream: it must not be retried.
      ProviderException failure = firstTokenSeen && streamedAny() && e.retryable()
          ? ProviderException.of(Kind.STREAM_CUT, e.getMessage()) : e;
      if (promise.tryFail(failure)) {
        cancelTimers();
      }
    }

    private void cancelTimers() {
      vertx.cancelTimer(firstTokenTimer);
      vertx.cancelTimer(totalTimer);
    }

    @Override
    public Future<ProviderResult> result() {
      return promise.future();
    }

    @Override
    public void cancel() {
      abort(ProviderException.of(Kind.CANCELLED, "the client went away"));
    }

    @Override
    public void pause() {
      paused = true;
      if (streamResponse != null) {
        streamResponse.pause();
      }
    }

    @Override
    public void resume() {
      paused = false;
      if (streamResponse != null) {
        streamResponse.resume();
      }
    }

    @Override
    public String partialContent() {
      return stream.content.toString();
    }

    @Override
    public boolean streamedAny() {
      return stream.content.length() > 0 || stream.toolCallStreamed;
    }
  }

  /** Retry-After in seconds or as an HTTP date, or OpenAI's retry-after-ms; -1 when absent. */
  static long retryAfterMs(HttpClientResponse response) {
    String ms = response.getHeader("retry-after-ms");
    if (ms != null) {
      try {
        return (long) Double.parseDouble(ms.trim());
      } catch (NumberFormatException ignored) {
        // fall through to Retry-After
      }
    }
    String value = response.getHeader("Retry-After");
    if (value == null) {
      return -1;
    }
    try {
      return (long) (Double.parseDouble(value.trim()) * 1000);
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException notDate) {
        return -1;
      }
    }
  }
}
