package dev.parley.support;

import java.util.function.BooleanSupplier;

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

  /** A poll interval, not a wait for something to happen. */
  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
