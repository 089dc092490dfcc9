package dev.parley.http;

import dev.parley.bus.Problem;
import dev.parley.bus.UserIds;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Base64;

/**
 * The claims Parley relies on, checked before the signature: a subject that is a valid Unicode
 * string of bounded length (it becomes the owner of everything the user stores, so two different
 * subjects must never collapse into one), numeric time claims, an expiry unless the operator
 * allows tokens without one, and a bounded lifetime. Anything else is 401, never a 500.
 */
final class TokenClaims implements Handler<RoutingContext> {

  private final boolean requireExp;
  private final long maxLifetimeSeconds;
  private final int maxSubjectChars;

  private final VerifiedTokens verified;

  /** @param verified tokens that passed these rules and the signature before: not checked again */
  TokenClaims(JsonObject jwt, VerifiedTokens verified) {
    this.verified = verified;
    this.requireExp = jwt.getBoolean("require_exp", true);
    this.maxLifetimeSeconds = jwt.getLong("max_lifetime_seconds", 0L);
    this.maxSubjectChars = jwt.getInteger("max_subject_chars", 255);
  }

  @Override
  public void handle(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      rc.next(); // no token: the route's own security answers
      return;
    }
    String token = header.substring(7).trim();
    if (verified.known(token) || acceptable(token)) {
      rc.next();
    } else {
      Problems.send(rc, Problem.unauthorized());
    }
  }

  boolean acceptable(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return false;
    }
    JsonObject claims;
    try {
      Object json = StrictJson.parse(Buffer.buffer(Base64.getUrlDecoder().decode(parts[1])));
      if (!(json instanceof JsonObject object)) {
        return false;
      }
      claims = object;
    } catch (RuntimeException malformed) {
      return false;
    }
    if (!(claims.getValue("sub") instanceof String sub) || !UserIds.valid(sub, maxSubjectChars)) {
      return false;
    }
    for (String time : new String[] {"exp", "nbf", "iat"}) {
      Object value = claims.getValue(time);
      if (value != null && !(value instanceof Number)) {
        return false;
      }
    }
    Number exp = (Number) claims.getValue("exp");
    if (exp == null) {
      return !requireExp;
    }
    Number iat = (Number) claims.getValue("iat");
    long issued = iat != null ? iat.longValue() : System.currentTimeMillis() / 1000;
    return maxLifetimeSeconds <= 0 || exp.longValue() - issued <= maxLifetimeSeconds;
  }
}
