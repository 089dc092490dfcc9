package dev.parley.llm;

import dev.parley.limits.CircuitBreaker;
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
  @DisplayName("Retry: capped jittered backoff, Retry-After honoured, never on 4xx, after tokens, or past the attempts")
  void retryDelays() {
    RetryPolicy policy = new RetryPolicy(4, 100, 1000);
    ProviderException overloaded = ProviderException.fromStatus(503, -1, "");
    for (int attempt = 1; attempt <= 3; attempt++) {
      long delay = policy.delayMs(attempt, overloaded, false);
      long backoff = Math.min(1000, 100L << (attempt - 1));
      assertTrue(delay >= backoff / 2 && delay <= backoff, "attempt " + attempt + ": " + delay);
    }
    assertEquals(-1, policy.delayMs(4, overloaded, false));
    assertEquals(-1, policy.delayMs(1, overloaded, true));
    assertEquals(800, policy.delayMs(1, ProviderException.fromStatus(429, 800, ""), false));
    assertEquals(-1, policy.delayMs(1, ProviderException.fromStatus(429, 60_000, ""), false), "too long to wait: tell the client");
    for (int status : new int[] {400, 401, 402, 403}) {
      assertEquals(-1, policy.delayMs(1, ProviderException.fromStatus(status, -1, ""), false));
    }
    assertEquals(ProviderException.Kind.CONTEXT_TOO_LONG,
        ProviderException.fromStatus(400, -1, "{\"error\":{\"code\":\"context_length_exceeded\"}}").kind());
    assertEquals(ProviderException.Kind.OVERLOADED, ProviderException.fromStatus(529, -1, "").kind());
  }
}
