package dev.parley.http;

import dev.parley.auth.AnonymousTokens;
import dev.parley.bus.Problem;
import dev.parley.ops.Audit;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.Optional;

/**
 * POST /v1/auth/anonymous: a new anonymous principal and its token, for people who chat before they
 * sign in (no token needed to ask). Their conversations move to a signed-in user with
 * POST /v1/users/me/claim. 403 when the operator turned anonymous access off, or when Parley has
 * no key of its own to sign with.
 */
final class AnonymousRoutes {

  private final Optional<AnonymousTokens> anonymous;
  private final ParleyMetrics metrics;

  AnonymousRoutes(Optional<AnonymousTokens> anonymous, ParleyMetrics metrics) {
    this.anonymous = anonymous;
    this.metrics = metrics;
  }

  void issue(RoutingContext rc) {
    if (anonymous.isEmpty()) {
      Problems.send(rc, Problem.forbidden("Anonymous access is off on this server"));
      return;
    }
    AnonymousTokens.Issued issued = anonymous.get().issue();
    metrics.anonymousIssued();
    Audit.record("anonymous", issued.user(), null, RequestIds.of(rc));
    rc.response().setStatusCode(201)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject()
            .put("object", "anonymous_token")
            .put("user_id", issued.user())
            .put("token", issued.token())
            .put("token_type", "Bearer")
            .put("expires_at", Instant.ofEpochSecond(issued.expiresAt()).toString())
            .toBuffer());
  }
}
