package dev.parley.resilience;

import java.util.function.LongSupplier;

/**
 * One provider's breaker: opens after N consecutive provider failures, rejects calls while open,
 * then lets one trial call through (half-open); its success closes it, its failure re-opens it.
 * Confined to one verticle's event loop (LlmVerticle per provider, RedisGate per verticle).
 */
public final class CircuitBreaker {

  public enum State { CLOSED, OPEN, HALF_OPEN }

  private final int threshold;
  private final long openMs;
  private final LongSupplier clock;
  private State state = State.CLOSED;
  private int failures;
  private long openedAt;
  private boolean trialInFlight;

  public CircuitBreaker(int threshold, long openMs, LongSupplier clock) {
    this.threshold = threshold;
    this.openMs = openMs;
    this.clock = clock;
  }

  /** Whether a call may go out now. */
  public boolean allow() {
    if (state == State.OPEN && clock.getAsLong() - openedAt >= openMs) {
      state = State.HALF_OPEN;
      trialInFlight = false;
    }
    if (state == State.CLOSED) {
      return true;
    }
    if (state == State.HALF_OPEN && !trialInFlight) {
      trialInFlight = true;
      return true;
    }
    return false;
  }

  /** The provider answered (even with a client error): it is up. */
  public void success() {
    state = State.CLOSED;
    failures = 0;
    trialInFlight = false;
  }

  public void failure() {
    failures++;
    if (state == State.HALF_OPEN || failures >= threshold) {
      state = State.OPEN;
      openedAt = clock.getAsLong();
      trialInFlight = false;
    }
  }

  public State state() {
    if (state == State.OPEN && clock.getAsLong() - openedAt >= openMs) {
      return State.HALF_OPEN;
    }
    return state;
  }

  /** Milliseconds until a trial call may go out. */
  public long retryAfterMs() {
    return state == State.OPEN ? Math.max(0, openMs - (clock.getAsLong() - openedAt)) : 0;
  }
}
