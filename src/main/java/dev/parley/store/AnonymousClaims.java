package dev.parley.store;

import dev.parley.auth.AnonymousTokens;
import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import dev.parley.bus.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * parley.users.claim: a signed-in user takes over an anonymous principal's conversations, given the
 * principal's token. In one transaction: the claim is recorded (an anonymous principal belongs to
 * the first user who claims it, for good), and every conversation of the principal changes owner.
 * Claiming again is fine (it moves what the principal wrote since); another user's claim is 409;
 * an expired token is refused with its own problem.
 */
final class AnonymousClaims {

  /** What a claim moved, and the anonymous principal's cache entries to retire. */
  record Claimed(String anonymousUser, List<UUID> moved, Reply reply) {
  }

  private final Pool pool;
  private final Optional<AnonymousTokens> tokens;

  AnonymousClaims(Pool pool, Optional<AnonymousTokens> tokens) {
    this.pool = pool;
    this.tokens = tokens;
  }

  Future<Claimed> claim(String user, String token) {
    if (AnonymousTokens.anonymous(user)) {
      return Future.failedFuture(Problem.forbidden("An anonymous principal cannot claim another: sign in first"));
    }
    if (tokens.isEmpty()) {
      return Future.failedFuture(Problem.forbidden("Anonymous access is off on this server"));
    }
    return tokens.get().check(token).compose(checked -> {
      if (checked instanceof AnonymousTokens.Checked.Valid valid) {
        return move(valid.user(), user);
      }
      if (checked instanceof AnonymousTokens.Checked.Expired) {
        return Future.failedFuture(new Problem(ProblemType.ANONYMOUS_TOKEN_EXPIRED,
            "The anonymous token has expired: its conversations can no longer be claimed"));
      }
      return Future.failedFuture(Problem.invalid("/anonymous_token",
          "anonymous_token must be an anonymous token issued by this server"));
    });
  }

  private Future<Claimed> move(String anonymous, String user) {
    return pool.withTransaction(tx -> tx.preparedQuery(SqlQueries.claimAnonymous()).execute(Tuple.of(anonymous, user))
        .compose(claims -> {
          String claimedBy = claims.iterator().next().getString("claimed_by");
          if (!claimedBy.equals(user)) {
            return Future.failedFuture(new Problem(ProblemType.ALREADY_CLAIMED,
                "Another user has claimed this anonymous principal"));
          }
          return tx.preparedQuery(SqlQueries.moveConversations()).execute(Tuple.of(anonymous, user))
              .compose(moved -> {
                List<UUID> ids = new ArrayList<>(moved.size());
                moved.forEach(row -> ids.add(row.getUUID("id")));
                return tx.preparedQuery(SqlQueries.countClaimed()).execute(Tuple.of(anonymous, ids.size()))
                    .map(counted -> {
                      Row row = counted.iterator().next();
                      return new Claimed(anonymous, ids, Reply.ok(new JsonObject()
                          .put("object", "claim")
                          .put("anonymous_user", anonymous)
                          .put("conversations_moved", ids.size())
                          .put("conversations_claimed", row.getInteger("conversations"))
                          .put("claimed_at", Rows.timestamp(row.getOffsetDateTime("claimed_at")))));
                    });
              });
        }));
  }
}
