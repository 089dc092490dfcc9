package dev.parley.http;

import dev.parley.auth.AnonymousTokens;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;

import java.util.Optional;

/**
 * The bearer tokens Parley accepts: the application's users' tokens (the configured keys), and,
 * while anonymous access is on, the anonymous principals' tokens Parley signed itself. A token
 * of the application's keys may not name an anonymous principal ({@link AnonymousTokens#PREFIX}),
 * and the anonymous key names nothing else, so neither can pass for the other.
 */
final class BearerTokens implements JWTAuth {

  private final JWTAuth users;
  private final Optional<AnonymousTokens> anonymous;

  BearerTokens(JWTAuth users, Optional<AnonymousTokens> anonymous) {
    this.users = users;
    this.anonymous = anonymous;
  }

  @Override
  public Future<User> authenticate(Credentials credentials) {
    return users.authenticate(credentials).compose(
        user -> AnonymousTokens.anonymous(user.subject())
            ? Future.failedFuture("A user id that starts with " + AnonymousTokens.PREFIX + " is reserved")
            : Future.succeededFuture(user),
        failure -> credentials instanceof TokenCredentials bearer && anonymous.isPresent()
            ? anonymous.get().authenticate(bearer.getToken()).recover(notAnonymous -> Future.failedFuture(failure))
            : Future.failedFuture(failure));
  }

  @Override
  public String generateToken(JsonObject claims, JWTOptions options) {
    throw new UnsupportedOperationException("Parley verifies tokens here; it does not issue them");
  }

  @Override
  public String generateToken(JsonObject claims) {
    throw new UnsupportedOperationException("Parley verifies tokens here; it does not issue them");
  }
}
