package dev.parley.http;

import dev.parley.bus.JsonBytes;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * A Server-Sent Events response fed from event-bus messages, started lazily so that errors before
 * the first event keep their HTTP status. Each message is acknowledged only while the client
 * keeps reading: when the response's write queue is full the acks wait for it to drain, so the
 * sender (a model call, a follow) holds back instead of this node buffering for a slow client.
 */
final class SseResponse {

  private final HttpServerResponse response;
  private final List<Message<?>> unacknowledged = new ArrayList<>();
  private boolean started;

  SseResponse(HttpServerResponse response) {
    this.response = response;
  }

  /** The client is gone: messages waiting for room fail, which tells their sender at once. */
  void abandon() {
    unacknowledged.forEach(m -> m.fail(410, "client gone"));
    unacknowledged.clear();
  }

  void acknowledge(Message<?> message) {
    if (!response.writeQueueFull()) {
      message.reply(null);
      return;
    }
    unacknowledged.add(message);
    if (unacknowledged.size() == 1) {
      response.drainHandler(v -> {
        List<Message<?>> drained = new ArrayList<>(unacknowledged);
        unacknowledged.clear();
        drained.forEach(m -> m.reply(null));
      });
    }
  }

  boolean started() {
    return started;
  }

  boolean closed() {
    return response.closed() || response.ended();
  }

  private void start() {
    if (!started) {
      started = true;
      response.setStatusCode(200).setChunked(true)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-cache")
          .putHeader("X-Accel-Buffering", "no");
    }
  }

  /** One event; {@code id} null leaves the client's last event id as it was. */
  void event(Object id, String name, JsonObject data) {
    if (closed()) {
      return;
    }
    start();
    response.write((id == null ? "" : "id: " + id + "\n") + "event: " + name + "\ndata: " + JsonBytes.encodeToString(data) + "\n\n");
  }

  /** One event without id or name, as OpenAI's streams write them. */
  void data(String data) {
    if (closed()) {
      return;
    }
    start();
    response.write("data: " + data + "\n\n");
  }

  void comment(String text) {
    if (closed()) {
      return;
    }
    start();
    response.write(": " + text + "\n\n");
  }

  void end() {
    if (!closed()) {
      start();
      response.end();
    }
  }
}
