package dev.parley.chat;

import dev.parley.bus.Problem;
import dev.parley.limits.RateLimiter;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;

/** Per-user limits of chat turns: turns and LLM tokens per minute (cluster-wide with Redis). */
final class UserLimits {

  private final RateLimiter limiter;
  private final long turnsPerMinute;
  private final long tokensPerMinute;
  private final ParleyMetrics metrics;

  UserLimits(RateLimiter limiter, long turnsPerMinute, long tokensPerMinute, ParleyMetrics metrics) {
    this.limiter = limiter;
    this.turnsPerMinute = turnsPerMinute;
    this.tokensPerMinute = tokensPerMinute;
    this.metrics = metrics;
  }

  /** Takes one turn and reserves {@code tokens}; fails with a 429 problem carrying the limit's state. */
  Future<Void> admit(String owner, long tokens) {
    return limiter.acquire("user-rpm:" + owner, 1, turnsPerMinute).compose(rpm -> {
      if (!rpm.allowed()) {
        metrics.rateLimited("user_requests");
        return Future.failedFuture(Problem.tooManyRequests("Too many chat turns this minute", rpm.retryAfterSeconds(),
            rpm.limit(), rpm.remaining(), rpm.resetSeconds()));
      }
      return limiter.acquire("user-tpm:" + owner, tokens, tokensPerMinute).compose(tpm -> {
        if (tpm.allowed()) {
          return Future.succeededFuture();
        }
        metrics.rateLimited("user_tokens");
        return Future.failedFuture(Problem.tooManyRequests("Too many LLM tokens this minute", tpm.retryAfterSeconds(),
            tpm.limit(), tpm.remaining(), tpm.resetSeconds()));
      });
    });
  }

  /** Settles a reservation with the provider's real usage ({@code delta} = used − reserved). */
  void settle(String owner, long delta) {
    limiter.adjust("user-tpm:" + owner, delta, tokensPerMinute);
  }
}
