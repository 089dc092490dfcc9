package dev.parley.http;

import io.vertx.ext.web.RoutingContext;

import java.util.UUID;
import java.util.regex.Pattern;

/** X-Request-Id: taken from the request when it is sane, made otherwise, returned on every response. */
final class RequestIds {

  static final String HEADER = "X-Request-Id";
  private static final String KEY = "parley.request-id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private RequestIds() {
  }

  static void handle(RoutingContext rc) {
    String id = accept(rc.request().getHeader(HEADER));
    rc.put(KEY, id);
    rc.response().putHeader(HEADER, id);
    rc.next();
  }

  /** The client's id when it is sane, else a new one. */
  static String accept(String given) {
    return given != null && SANE.matcher(given).matches() ? given : UUID.randomUUID().toString();
  }

  static String of(RoutingContext rc) {
    String id = rc.get(KEY);
    return id == null ? "" : id;
  }
}
