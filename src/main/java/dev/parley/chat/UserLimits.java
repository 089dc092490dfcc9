package dev.parley.chat;

import dev.parley.auth.AnonymousTokens;
import dev.parley.bus.Problem;
import dev.parley.limits.RateLimiter;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;

/**
 * Per-user limits of chat turns: turns and LLM tokens per minute (cluster-wide with Redis);
 * anonymous principals have limits of their own, normally tighter.
 */
final class UserLimits {

  /** Turns and tokens per minute. */
  record PerMinute(long turns, long tokens) {
  }

  private final RateLimiter limiter;
  private final PerMinute users;
  private final PerMinute anonymous;
  private final ParleyMetrics metrics;

  UserLimits(RateLimiter limiter, PerMinute users, PerMinute anonymous, ParleyMetrics metrics) {
    this.limiter = limiter;
    this.users = users;
    this.anonymous = anonymous;
    this.metrics = metrics;
  }

  private PerMinute of(String owner) {
    return AnonymousTokens.anonymous(owner) ? anonymous : users;
  }

  /** Takes one turn and reserves {@code tokens}; fails with a 429 problem carrying the limit's state. */
  Future<Void> admit(String owner, long tokens) {
    long turnsPerMinute = of(owner).turns();
    long tokensPerMinute = of(owner).tokens();
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
    limiter.adjust("user-tpm:" + owner, delta, of(owner).tokens());
  }
}
