package dev.parley.http;

import dev.parley.config.ParleyConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * JWT verification keys from the configuration: an HS256 secret, an RS256/ES256 public key, or,
 * when neither is configured, a development HS256 secret generated once into the data directory.
 */
public final class Jwt {

  static final String DEV_SECRET_FILE = "jwt-dev-secret";

  private Jwt() {
  }

  /**
   * Fills in jwt.hs256_secret with the development secret when no key is configured, and marks
   * jwt.development. Blocking (file I/O): call it at start-up, off the event loop.
   */
  public static ParleyConfig resolveKeys(ParleyConfig config) {
    if (config.isSet("jwt.hs256_secret") || config.isSet("jwt.public_key_file")) {
      return config;
    }
    return config.with("jwt.hs256_secret", developmentSecret(Path.of(config.string("data_dir"))))
        .with("jwt.development", true);
  }

  /** The development key's file when no key is configured (it may not exist yet), else empty. */
  public static java.util.Optional<Path> developmentKeyFile(ParleyConfig config) {
    if (config.isSet("jwt.hs256_secret") || config.isSet("jwt.public_key_file")) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(Path.of(config.string("data_dir")).resolve(DEV_SECRET_FILE));
  }

  /** The verifier for tokens; reads the public key file (blocking) when one is configured. */
  public static JWTAuth provider(Vertx vertx, JsonObject jwt) {
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(verification(jwt));
    String secret = jwt.getString("hs256_secret", "");
    if (!secret.isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
    }
    String keyFile = jwt.getString("public_key_file", "");
    if (!keyFile.isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions()
          .setAlgorithm(jwt.getString("public_key_algorithm", "RS256"))
          .setBuffer(read(Path.of(keyFile))));
    }
    return JWTAuth.create(vertx, options);
  }

  /** A token for {@code user}, signed with the HS256 secret (the development key or a configured one). */
  public static String mint(Vertx vertx, JsonObject jwt, String user, int expiresInMinutes) {
    if (jwt.getString("hs256_secret", "").isEmpty()) {
      throw new IllegalStateException("Tokens can only be minted with an HS256 secret; "
          + "with a public key, tokens come from your identity provider");
    }
    JWTOptions sign = new JWTOptions().setAlgorithm("HS256").setSubject(user).setExpiresInMinutes(expiresInMinutes);
    if (!jwt.getString("issuer", "").isEmpty()) {
      sign.setIssuer(jwt.getString("issuer"));
    }
    if (!jwt.getString("audience", "").isEmpty()) {
      sign.addAudience(jwt.getString("audience"));
    }
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(jwt.getString("hs256_secret"))));
    return signer.generateToken(new JsonObject(), sign);
  }

  private static JWTOptions verification(JsonObject jwt) {
    JWTOptions options = new JWTOptions().setLeeway(jwt.getInteger("leeway_seconds", 30));
    if (!jwt.getString("issuer", "").isEmpty()) {
      options.setIssuer(jwt.getString("issuer"));
    }
    if (!jwt.getString("audience", "").isEmpty()) {
      options.addAudience(jwt.getString("audience"));
    }
    return options;
  }

  private static String developmentSecret(Path dataDir) {
    Path file = dataDir.resolve(DEV_SECRET_FILE);
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      Files.createDirectories(dataDir);
      byte[] bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      Files.writeString(file, secret, StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(file, Set.copyOf(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException notPosix) {
        // best effort on file systems without POSIX permissions
      }
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or create the development JWT key in " + dataDir, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the JWT public key file " + file, e);
    }
  }
}
