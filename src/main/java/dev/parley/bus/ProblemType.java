package dev.parley.bus;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every kind of problem Parley answers with: its {@code type} URI ({@code /problems/<slug>}), its
 * title and its status. Code that reacts to a problem compares types, never text.
 */
public enum ProblemType {
  BAD_REQUEST(400, "bad-request", "Bad Request"),
  VALIDATION(400, "validation-error", "Validation failed"),
  UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
  FORBIDDEN(403, "forbidden", "Forbidden"),
  NOT_FOUND(404, "not-found", "Not Found"),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method Not Allowed"),
  REQUEST_TIMEOUT(408, "request-timeout", "Request Timeout"),
  CONFLICT(409, "conflict", "Conflict"),
  /** A streamed turn that can no longer be followed (no turn log is kept, or it expired). */
  TURN_GONE(410, "turn-gone", "Gone"),
  PAYLOAD_TOO_LARGE(413, "payload-too-large", "Content Too Large"),
  URI_TOO_LONG(414, "uri-too-long", "URI Too Long"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported Media Type"),
  UNPROCESSABLE(422, "unprocessable", "Unprocessable Content"),
  /** An anonymous token that was valid once, but has expired: it can no longer be claimed. */
  ANONYMOUS_TOKEN_EXPIRED(422, "anonymous-token-expired", "Anonymous Token Expired"),
  /** Another user claimed this anonymous principal already. */
  ALREADY_CLAIMED(409, "already-claimed", "Already Claimed"),
  CONTEXT_TOO_LONG(422, "context-too-long", "Context Too Long"),
  RATE_LIMITED(429, "rate-limited", "Too Many Requests"),
  HEADERS_TOO_LARGE(431, "headers-too-large", "Request Header Fields Too Large"),
  INTERNAL(500, "internal", "Internal Server Error"),
  PROVIDER_ERROR(502, "provider-error", "Provider Error"),
  UNAVAILABLE(503, "unavailable", "Service Unavailable"),
  /** Shed at the door: the node has as many requests in flight as it is configured to take. */
  OVERLOADED(503, "overloaded", "Service Unavailable"),
  PROVIDER_UNAVAILABLE(503, "provider-unavailable", "Provider Unavailable"),
  PROVIDER_TIMEOUT(504, "provider-timeout", "Provider Timeout"),
  /** A failure from elsewhere that carried no Parley problem: only its status is known. */
  OTHER(0, "error", "Error");

  private static final Map<String, ProblemType> BY_URI = new HashMap<>();

  static {
    for (ProblemType type : values()) {
      BY_URI.put(type.uri(), type);
    }
  }

  private final int status;
  private final String slug;
  private final String title;

  ProblemType(int status, String slug, String title) {
    this.status = status;
    this.slug = slug;
    this.title = title;
  }

  /** The status this type is answered with (OTHER: whatever status came with it). */
  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  /** The RFC 9457 {@code type} member. */
  public String uri() {
    return "/problems/" + slug;
  }

  /** The type with this {@code type} URI, or OTHER. */
  public static ProblemType fromUri(String uri) {
    return uri == null ? OTHER : BY_URI.getOrDefault(uri, OTHER);
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
