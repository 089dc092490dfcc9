package dev.parley.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Tokens of anonymous principals: people who chat before they sign in. Parley signs them itself,
 * with a key of their own — {@code anonymous.secret}, or one derived from {@code jwt.hs256_secret}
 * (every node that shares the secret derives the same key, so they work across a cluster) — and
 * verifies them apart from the tokens of the application's users, so a token signed with the
 * anonymous key can only ever name an anonymous principal, and no other key may name one.
 * Anonymous user ids are {@value #PREFIX} followed by a random UUID.
 */
public final class AnonymousTokens {

  /** Every anonymous principal's id starts with this; no other token may name such a user. */
  public static final String PREFIX = "anon-";
  /** The claim that marks an anonymous token. */
  static final String CLAIM = "anonymous";

  private static final String ISSUER = "parley-anonymous";

  private final JWTAuth auth;
  /** The same key, expiry not checked: tells an expired token from a forged one. */
  private final JWTAuth ignoringExpiry;
  private final int minutes;

  private AnonymousTokens(JWTAuth auth, JWTAuth ignoringExpiry, int minutes) {
    this.auth = auth;
    this.ignoringExpiry = ignoringExpiry;
    this.minutes = minutes;
  }

  /**
   * The anonymous tokens of this configuration; empty when anonymous access is off, or when Parley
   * has no key of its own to sign with (only a public key configured and no anonymous.secret).
   */
  public static Optional<AnonymousTokens> of(Vertx vertx, JsonObject config) {
    JsonObject anonymous = config.getJsonObject("anonymous");
    Optional<String> key = signingKey(config);
    if (!anonymous.getBoolean("enabled", true) || key.isEmpty()) {
      return Optional.empty();
    }
    String secret = key.get();
    int leeway = config.getJsonObject("jwt").getInteger("leeway_seconds", 30);
    return Optional.of(new AnonymousTokens(verifier(vertx, secret, leeway, false), verifier(vertx, secret, leeway, true),
        anonymous.getInteger("token_minutes")));
  }

  private static JWTAuth verifier(Vertx vertx, String secret, int leeway, boolean ignoreExpiry) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setLeeway(leeway).setIssuer(ISSUER).setIgnoreExpiration(ignoreExpiry)));
  }

  /** Whether {@code user} is an anonymous principal's id. */
  public static boolean anonymous(String user) {
    return user != null && user.startsWith(PREFIX);
  }

  /** A new anonymous principal and its token. */
  public Issued issue() {
    String user = PREFIX + UUID.randomUUID();
    long expires = System.currentTimeMillis() / 1000 + minutes * 60L;
    String token = auth.generateToken(new JsonObject().put(CLAIM, true), new JWTOptions().setAlgorithm("HS256")
        .setSubject(user).setIssuer(ISSUER).setExpiresInMinutes(minutes));
    return new Issued(user, token, expires);
  }

  /** An issued anonymous token: its principal, the token, and when it expires (epoch seconds). */
  public record Issued(String user, String token, long expiresAt) {
  }

  /** What checking an anonymous token found. */
  public sealed interface Checked {
    /** A valid token of this anonymous principal. */
    record Valid(String user) implements Checked {
    }

    /** Signed with the anonymous key, but expired. */
    record Expired(String user) implements Checked {
    }

    /** Not an anonymous token of this Parley (malformed, another key, altered). */
    record Invalid() implements Checked {
    }
  }

  /** Checks a token: signature with the anonymous key, issuer, the claim, the subject's form, expiry. */
  public Future<Checked> check(String token) {
    return authenticate(token).<Checked>map(user -> new Checked.Valid(user.subject()))
        .recover(failure -> verified(ignoringExpiry, token)
            .<Checked>map(user -> new Checked.Expired(user.subject()))
            .otherwise(new Checked.Invalid()));
  }

  /** Verifies a bearer token as an anonymous one: the principal of a valid anonymous token, else a failure. */
  public Future<User> authenticate(String token) {
    return verified(auth, token);
  }

  private static Future<User> verified(JWTAuth verifier, String token) {
    return verifier.authenticate(new TokenCredentials(token)).compose(user -> anonymous(user.subject())
        && Boolean.TRUE.equals(user.principal().getValue(CLAIM))
        ? Future.succeededFuture(user) : Future.failedFuture("Not an anonymous token"));
  }

  /** The key anonymous tokens are signed with: anonymous.secret, else derived from jwt.hs256_secret. */
  public static Optional<String> signingKey(JsonObject config) {
    String secret = config.getJsonObject("anonymous").getString("secret", "");
    if (!secret.isEmpty()) {
      return Optional.of(secret);
    }
    String main = config.getJsonObject("jwt").getString("hs256_secret", "");
    return main.isEmpty() ? Optional.empty() : Optional.of(derive(main));
  }

  private static String derive(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] key = mac.doFinal("parley anonymous principals".getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
