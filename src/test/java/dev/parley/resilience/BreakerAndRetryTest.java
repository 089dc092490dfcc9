package dev.parley.resilience;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BreakerAndRetryTest {

  @Test
  @DisplayName("Breaker: opens at the threshold, lets one trial through when half-open, re-opens if it fails")
  void breakerStates() {
    AtomicLong now = new AtomicLong(0);
    CircuitBreaker breaker = new CircuitBreaker(3, 1000, now::get);
    breaker.failure();
    breaker.failure();
    assertTrue(breaker.allow());
    breaker.failure();
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    assertFalse(breaker.allow());
    assertEquals(1000, breaker.retryAfterMs());
    now.set(1000);
    assertTrue(breaker.allow(), "the trial call");
    assertFalse(breaker.allow(), "only one trial at a time");
    breaker.failure();
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    now.set(2500);
    assertTrue(breaker.allow());
    breaker.success();
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    assertTrue(breaker.allow());
  }

  @Test
  @DisplayName("Retry: capped jittered backoff, Retry-After honoured, never when not retryable, after tokens, or past the attempts")
  void retryDelays() {
    RetryPolicy policy = new RetryPolicy(4, 100, 1000);
    for (int attempt = 1; attempt <= 3; attempt++) {
      long delay = policy.delayMs(attempt, true, 0, false);
      long backoff = Math.min(1000, 100L << (attempt - 1));
      assertTrue(delay >= backoff / 2 && delay <= backoff, "attempt " + attempt + ": " + delay);
    }
    assertEquals(-1, policy.delayMs(4, true, 0, false));
    assertEquals(-1, policy.delayMs(1, true, 0, true));
    assertEquals(-1, policy.delayMs(1, false, 0, false));
    assertEquals(800, policy.delayMs(1, true, 800, false));
    assertEquals(-1, policy.delayMs(1, true, 60_000, false), "too long to wait: tell the client");
  }
}
