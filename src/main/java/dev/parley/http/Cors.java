package dev.parley.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * CORS for browser apps on other origins (http.cors_*), off unless origins are configured. Browsers
 * send bearer tokens in a header, so no credentials (cookies) are involved; every response a page may
 * need to read (Retry-After, RateLimit-*, Idempotent-Replayed, X-Request-Id, X-Parley-Conversation-Id) is exposed. Preflights
 * are answered before any token check, load shedding or body read.
 */
final class Cors {

  private static final Set<String> EXPOSED = Set.of("Retry-After", "RateLimit-Limit", "RateLimit-Remaining",
      "RateLimit-Reset", "Idempotent-Replayed", "X-Request-Id", "Location", CompletionsRoutes.CONVERSATION_HEADER);

  private Cors() {
  }

  static Optional<CorsHandler> of(JsonObject http) {
    List<String> origins = list(http.getString("cors_origins", ""));
    if (origins.isEmpty()) {
      return Optional.empty();
    }
    CorsHandler cors = origins.contains("*") ? CorsHandler.create() : CorsHandler.create().addOrigins(origins);
    Set<HttpMethod> methods = new LinkedHashSet<>();
    list(http.getString("cors_methods", "")).forEach(m -> methods.add(HttpMethod.valueOf(m.toUpperCase())));
    return Optional.of(cors.allowedMethods(methods)
        .allowedHeaders(new LinkedHashSet<>(list(http.getString("cors_headers", ""))))
        .exposedHeaders(EXPOSED)
        .maxAgeSeconds(http.getInteger("cors_max_age_seconds", 600)));
  }

  private static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
