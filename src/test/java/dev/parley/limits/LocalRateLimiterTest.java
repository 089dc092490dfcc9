package dev.parley.limits;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalRateLimiterTest {

  @Test
  @DisplayName("A bucket allows its limit per minute, refills with time, and reports retry-after and reset")
  void bucket() {
    AtomicLong now = new AtomicLong(1_000_000);
    LocalRateLimiter limiter = new LocalRateLimiter(now::get);
    assertTrue(await(limiter.acquire("k", 1, 3)).allowed());
    assertTrue(await(limiter.acquire("k", 1, 3)).allowed());
    RateLimiter.Decision third = await(limiter.acquire("k", 1, 3));
    assertTrue(third.allowed());
    assertEquals(0, third.remaining());
    RateLimiter.Decision fourth = await(limiter.acquire("k", 1, 3));
    assertFalse(fourth.allowed());
    assertEquals(20, fourth.retryAfterSeconds(), "one token comes back every 20 s at 3 a minute");
    assertEquals(60, fourth.resetSeconds());
    assertTrue(await(limiter.acquire("other", 1, 3)).allowed(), "keys are independent");
    now.addAndGet(20_000);
    assertTrue(await(limiter.acquire("k", 1, 3)).allowed());
  }

  @Test
  @DisplayName("Token reservations are settled with real usage: unused tokens come back")
  void settle() {
    AtomicLong now = new AtomicLong(0);
    LocalRateLimiter limiter = new LocalRateLimiter(now::get);
    assertTrue(await(limiter.acquire("t", 900, 1000)).allowed());
    assertFalse(await(limiter.acquire("t", 200, 1000)).allowed());
    await(limiter.adjust("t", -500, 1000));
    assertTrue(await(limiter.acquire("t", 200, 1000)).allowed());
  }
}
