package dev.parley.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bearer tokens this HTTP verticle has already verified (signature, then Parley's own claim rules in
 * {@link TokenClaims}), so a client that sends the same token again is not decoded, parsed and
 * checked again: that was a seventh of a cached history read's CPU. An entry answers only for the
 * exact token string, only until the token expires (its {@code exp} plus the configured leeway,
 * exactly when verification itself would start refusing it) and for at most five minutes; the
 * newest {@value #MAX_ENTRIES} tokens are kept. Keys do not change while the process runs, so a
 * token verified once stays verifiable until it expires. Confined to one verticle's event loop.
 */
final class VerifiedTokens implements JWTAuth {

  private static final int MAX_ENTRIES = 4096;
  private static final long MAX_AGE_MS = 300_000;

  private record Verified(JsonObject principal, JsonObject attributes, long validUntilMs) {
  }

  private final JWTAuth verifier;
  private final long leewayMs;
  private final Map<String, Verified> tokens = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  VerifiedTokens(JWTAuth verifier, int leewaySeconds) {
    this.verifier = verifier;
    this.leewayMs = leewaySeconds * 1000L;
  }

  /** Whether {@code token} was verified before and is still valid. */
  boolean known(String token) {
    return valid(token) != null;
  }

  @Override
  public Future<User> authenticate(Credentials credentials) {
    if (!(credentials instanceof TokenCredentials bearer)) {
      return verifier.authenticate(credentials);
    }
    String token = bearer.getToken();
    Verified verified = valid(token);
    if (verified != null) {
      // A fresh user per request: nothing a request does to its user reaches another request.
      return Future.succeededFuture(User.create(verified.principal().copy(), verified.attributes().copy()));
    }
    return verifier.authenticate(credentials).onSuccess(user -> remember(token, user));
  }

  private Verified valid(String token) {
    Verified verified = tokens.get(token);
    if (verified != null && System.currentTimeMillis() >= verified.validUntilMs()) {
      tokens.remove(token);
      return null;
    }
    return verified;
  }

  private void remember(String token, User user) {
    long until = System.currentTimeMillis() + MAX_AGE_MS;
    Object exp = user.containsKey("exp") ? user.get("exp") : null;
    if (exp instanceof Number seconds) {
      until = Math.min(until, seconds.longValue() * 1000 + leewayMs);
    }
    tokens.put(token, new Verified(user.principal().copy(), user.attributes().copy(), until));
  }

  @Override
  public String generateToken(JsonObject claims, JWTOptions options) {
    return verifier.generateToken(claims, options);
  }

  @Override
  public String generateToken(JsonObject claims) {
    return verifier.generateToken(claims);
  }
}
