package dev.parley.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The one bounded wait of the tests: polls a condition until it holds or the time is up. */
public final class Eventually {

  private Eventually() {
  }

  /** Polls {@code condition} every 20 ms for up to {@code timeoutMs}; fails with {@code what} if it never holds. */
  public static void eventually(long timeoutMs, String what, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("Not within " + timeoutMs + " ms: " + what);
      }
      pause(20);
    }
  }

  /** Polls {@code attempt} until it yields a value; fails with {@code what} if it never does. */
  public static <T> T eventuallyGet(long timeoutMs, String what, Supplier<Optional<T>> attempt) {
    AtomicReference<T> found = new AtomicReference<>();
    eventually(timeoutMs, what, () -> {
      attempt.get().ifPresent(found::set);
      return found.get() != null;
    });
    return found.get();
  }

  /** Waits until GET /health/ready on 127.0.0.1:{@code port} answers 200 while {@code alive} holds. */
  public static void ready(int port, long timeoutMs, BooleanSupplier alive) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build();
    eventually(timeoutMs, "ready on port " + port, () -> {
      if (!alive.getAsBoolean()) {
        throw new IllegalStateException("the process exited before it was ready");
      }
      try {
        return http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException notYet) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    });
  }

  /** A poll interval, not a wait for something to happen. */
  public static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
