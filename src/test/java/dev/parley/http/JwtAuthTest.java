package dev.parley.http;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The token matrix: only a valid token, signed with the configured key, for the right audience, passes. */
class JwtAuthTest {

  private static final String ISSUER = "https://issuer.parley.test";
  private static final String AUDIENCE = "parley-api";

  private static TestServer hs;
  private static TestServer rs;
  private static KeyPair rsaKeys;
  private static String publicPem;

  @BeforeAll
  static void start() throws Exception {
    hs = TestServer.start(Map.of("PARLEY_JWT_ISSUER", ISSUER, "PARLEY_JWT_AUDIENCE", AUDIENCE));
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    rsaKeys = generator.generateKeyPair();
    publicPem = pem("PUBLIC KEY", rsaKeys.getPublic().getEncoded());
    Path keyFile = Files.createTempFile("parley-rs256", ".pem");
    Files.writeString(keyFile, publicPem);
    rs = TestServer.start(Map.of("PARLEY_JWT_HS256_SECRET", "", "PARLEY_JWT_PUBLIC_KEY_FILE", keyFile.toString(),
        "PARLEY_JWT_PUBLIC_KEY_ALGORITHM", "RS256"));
  }

  @AfterAll
  static void stop() {
    hs.close();
    rs.close();
  }

  private static JWTOptions valid() {
    return new JWTOptions().setSubject("alice").setIssuer(ISSUER).addAudience(AUDIENCE).setExpiresInMinutes(5);
  }

  private static HttpResponse<Buffer> list(TestServer server, String authorization) {
    return Http.withAuthorization(server, authorization).get("/v1/conversations");
  }

  private static void assertRejected(HttpResponse<Buffer> response) {
    assertEquals(401, response.statusCode());
    assertEquals("Bearer", response.getHeader("WWW-Authenticate"));
    assertEquals("application/problem+json", response.getHeader("Content-Type"));
    assertEquals(401, response.bodyAsJsonObject().getInteger("status"));
  }

  @Test
  @DisplayName("A valid HS256 token with the configured issuer and audience is accepted")
  void validToken() {
    assertEquals(200, list(hs, "Bearer " + hs.sign(new JsonObject(), valid())).statusCode());
  }

  @Test
  @DisplayName("No token, an empty bearer and a non-bearer scheme are 401 with WWW-Authenticate")
  void missingToken() {
    assertRejected(list(hs, null));
    assertRejected(list(hs, "Bearer "));
    assertRejected(list(hs, "Basic YWxpY2U6c2VjcmV0"));
  }

  @Test
  @DisplayName("Garbage is 401")
  void garbage() {
    assertRejected(list(hs, "Bearer not.a.jwt"));
    assertRejected(list(hs, "Bearer " + "x".repeat(500)));
  }

  @Test
  @DisplayName("alg:none is 401")
  void algNone() {
    String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    long exp = System.currentTimeMillis() / 1000 + 300;
    String payload = b64("{\"sub\":\"alice\",\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"exp\":" + exp + "}");
    assertRejected(list(hs, "Bearer " + header + "." + payload + "."));
    assertRejected(list(hs, "Bearer " + header + "." + payload));
  }

  @Test
  @DisplayName("A token signed with another key is 401")
  void wrongKey() {
    JWTAuth other = JWTAuth.create(hs.clientVertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer("another-secret-another-secret-another")));
    assertRejected(list(hs, "Bearer " + other.generateToken(new JsonObject(), valid().setAlgorithm("HS256"))));
  }

  @Test
  @DisplayName("Expired and not-yet-valid tokens are 401, beyond the clock leeway")
  void timeClaims() {
    long now = System.currentTimeMillis() / 1000;
    assertRejected(list(hs, "Bearer " + hs.sign(new JsonObject().put("exp", now - 3600),
        new JWTOptions().setSubject("alice").setIssuer(ISSUER).addAudience(AUDIENCE))));
    assertRejected(list(hs, "Bearer " + hs.sign(new JsonObject().put("nbf", now + 3600),
        valid())));
    // Within the leeway an expired token still passes: clocks drift.
    assertEquals(200, list(hs, "Bearer " + hs.sign(new JsonObject().put("exp", now - 5),
        new JWTOptions().setSubject("alice").setIssuer(ISSUER).addAudience(AUDIENCE))).statusCode());
  }

  @Test
  @DisplayName("Wrong issuer or audience is 401")
  void issuerAndAudience() {
    assertRejected(list(hs, "Bearer " + hs.sign(new JsonObject(),
        new JWTOptions().setSubject("alice").setIssuer("https://evil.example").addAudience(AUDIENCE).setExpiresInMinutes(5))));
    assertRejected(list(hs, "Bearer " + hs.sign(new JsonObject(),
        new JWTOptions().setSubject("alice").setIssuer(ISSUER).addAudience("another-api").setExpiresInMinutes(5))));
  }

  @Test
  @DisplayName("A token without a subject is 401")
  void noSubject() {
    assertRejected(list(hs, "Bearer " + hs.sign(new JsonObject(),
        new JWTOptions().setIssuer(ISSUER).addAudience(AUDIENCE).setExpiresInMinutes(5))));
  }

  @Test
  @DisplayName("RS256: a token signed with the private key passes; HS256 signed with the public key (alg confusion) is 401")
  void rsaAndConfusion() {
    JWTAuth rsaSigner = JWTAuth.create(rs.clientVertx(), new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("RS256").setBuffer(pem("PRIVATE KEY", rsaKeys.getPrivate().getEncoded()))));
    String good = rsaSigner.generateToken(new JsonObject(),
        new JWTOptions().setAlgorithm("RS256").setSubject("alice").setExpiresInMinutes(5));
    assertEquals(200, list(rs, "Bearer " + good).statusCode());

    JWTAuth confused = JWTAuth.create(rs.clientVertx(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(publicPem)));
    assertRejected(list(rs, "Bearer " + confused.generateToken(new JsonObject(),
        new JWTOptions().setAlgorithm("HS256").setSubject("alice").setExpiresInMinutes(5))));
    // And the HS256 test secret means nothing to a server that only knows the RSA key.
    assertRejected(list(rs, "Bearer " + rs.token("alice")));
  }

  @Test
  @DisplayName("A rejected token's response never echoes the token")
  void noEcho() {
    String token = hs.sign(new JsonObject(), new JWTOptions().setSubject("alice").setIssuer("https://evil.example")
        .addAudience(AUDIENCE).setExpiresInMinutes(5));
    HttpResponse<Buffer> response = list(hs, "Bearer " + token);
    assertFalse(response.bodyAsString().contains(token.substring(0, 20)));
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }
}
