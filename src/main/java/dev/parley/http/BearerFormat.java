package dev.parley.http;

import dev.parley.bus.Problem;
import io.vertx.ext.web.RoutingContext;

import java.util.regex.Pattern;

/**
 * Rejects a present but malformed Authorization header (an empty bearer, stray characters) with
 * 401 before the JWT handler, which would answer such headers with 400.
 */
final class BearerFormat {

  private static final Pattern BEARER = Pattern.compile("Bearer [A-Za-z0-9._~+/=-]+", Pattern.CASE_INSENSITIVE);

  private BearerFormat() {
  }

  static void check(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer", 0, 6) && !BEARER.matcher(header.trim()).matches()) {
      Problems.send(rc, Problem.unauthorized());
      return;
    }
    rc.next();
  }
}
