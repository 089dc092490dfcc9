package dev.parley.support;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A live Server-Sent Events client, as a browser's EventSource reads a stream: events arrive in a
 * queue while the test goes on; comments are counted; the end of the stream is an event named
 * {@code (end)}. Over real HTTP with the JDK's client.
 */
public final class SseFollower implements AutoCloseable {

  public static final String END = "(end)";

  private final HttpResponse<InputStream> response;
  private final BlockingQueue<Sse.Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile int comments;

  private SseFollower(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-follower");
    reader.setDaemon(true);
    if (response.statusCode() == 200) {
      reader.start();
    }
  }

  /** GET {@code url} with the bearer token and, when not null, a Last-Event-ID header. */
  public static SseFollower open(String url, String bearer, String lastEventId) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET(), bearer, lastEventId);
  }

  /** POST {@code body} as JSON, as a fetch-based SSE client does (and again, with Last-Event-ID, when it reconnects). */
  public static SseFollower post(String url, String bearer, String lastEventId, JsonObject body) {
    return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body.encode()))
        .header("Content-Type", "application/json"), bearer, lastEventId);
  }

  private static SseFollower send(HttpRequest.Builder request, String bearer, String lastEventId) {
    try {
      request.header("Authorization", bearer).header("Accept", "text/event-stream");
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1).build();
      return new SseFollower(client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.headers().firstValue(name).orElse(null);
  }

  /** The whole body of a response that is not a stream (a problem). */
  public JsonObject problem() {
    try (InputStream body = response.body()) {
      return new JsonObject(new String(body.readAllBytes(), StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The next event, waiting up to {@code seconds}; fails the test if none comes. */
  public Sse.Event next(long seconds) {
    try {
      Sse.Event event = events.poll(seconds, TimeUnit.SECONDS);
      if (event == null) {
        throw new AssertionError("no event within " + seconds + " s");
      }
      return event;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next event if one comes within {@code millis}, else null. */
  public Sse.Event poll(long millis) {
    try {
      return events.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int comments() {
    return comments;
  }

  private void read() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      StringBuilder block = new StringBuilder();
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (block.length() > 0) {
            events.addAll(Sse.parse(block.toString()));
            block.setLength(0);
          }
        } else if (line.startsWith(":")) {
          comments++;
        } else {
          block.append(line).append('\n');
        }
      }
    } catch (Exception closed) {
      // the test closed the stream, or the server went away: both end it
    }
    events.add(new Sse.Event(null, END, null));
  }

  @Override
  public void close() {
    try {
      response.body().close();
    } catch (Exception ignored) {
      // already closed
    }
    reader.interrupt();
  }
}
