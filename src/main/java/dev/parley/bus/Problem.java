package dev.parley.bus;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 problem. It is what crosses the event bus as {@code fail(status, problemJson)} and
 * what HTTP answers with; the only exception type Parley's own code raises for client errors.
 */
public final class Problem extends RuntimeException {

  private final ProblemType type;
  private final int status;
  private final String title;
  private final String detail;
  private final JsonArray errors;
  private final JsonObject extensions;

  public Problem(ProblemType type, String detail) {
    this(type, detail, null, null);
  }

  /** {@code extensions} are extra members (RFC 9457 section 3.2), e.g. retry_after for 429 and 503. */
  public Problem(ProblemType type, String detail, JsonArray errors, JsonObject extensions) {
    this(type, type.status(), type.title(), detail, errors, extensions);
  }

  private Problem(ProblemType type, int status, String title, String detail, JsonArray errors, JsonObject extensions) {
    super(title + ": " + detail, null, false, false);
    this.type = type;
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
    this.extensions = extensions;
  }

  /** 429 with the limit's state: retry_after (seconds) and rate_limit {limit, remaining, reset}. */
  public static Problem tooManyRequests(String detail, long retryAfterSeconds, long limit, long remaining, long resetSeconds) {
    return new Problem(ProblemType.RATE_LIMITED, detail, null, new JsonObject()
        .put("retry_after", retryAfterSeconds)
        .put("rate_limit", new JsonObject().put("limit", limit).put("remaining", remaining).put("reset", resetSeconds)));
  }

  /** The validation errors ({pointer, detail}), or null. */
  public JsonArray errors() {
    return errors;
  }

  public JsonObject extensions() {
    return extensions == null ? new JsonObject() : extensions;
  }

  public static Problem badRequest(String detail) {
    return new Problem(ProblemType.BAD_REQUEST, detail);
  }

  /** 400 with one entry in {@code errors}: the JSON pointer of the offending value and why. */
  public static Problem invalid(String pointer, String detail) {
    JsonArray errors = new JsonArray().add(new JsonObject().put("pointer", pointer).put("detail", detail));
    return new Problem(ProblemType.VALIDATION, detail, errors, null);
  }

  public static Problem unauthorized() {
    return new Problem(ProblemType.UNAUTHORIZED, "A valid bearer token is required in the Authorization header");
  }

  public static Problem forbidden(String detail) {
    return new Problem(ProblemType.FORBIDDEN, detail);
  }

  public static Problem notFound(String what) {
    return new Problem(ProblemType.NOT_FOUND, what + " does not exist");
  }

  public static Problem conflict(String detail) {
    return new Problem(ProblemType.CONFLICT, detail);
  }

  public static Problem unprocessable(String detail) {
    return new Problem(ProblemType.UNPROCESSABLE, detail);
  }

  public static Problem unavailable(String detail) {
    return new Problem(ProblemType.UNAVAILABLE, detail);
  }

  public static Problem fromJson(JsonObject json) {
    return fromJson(json.getInteger("status", 500), json.encode());
  }

  public static Problem internal() {
    return new Problem(ProblemType.INTERNAL, "The server could not complete the request");
  }

  public int status() {
    return status;
  }

  public ProblemType type() {
    return type;
  }

  public String detail() {
    return detail;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("type", type.uri())
        .put("title", title)
        .put("status", status)
        .put("detail", detail);
    if (errors != null) {
      json.put("errors", errors);
    }
    if (extensions != null) {
      extensions.forEach(e -> json.put(e.getKey(), e.getValue()));
    }
    return json;
  }

  /** Answers a bus request with this problem. */
  public void failOn(Message<?> message) {
    message.fail(status, toJson().encode());
  }

  /** Reads a problem back from a failed bus request; time-outs and missing handlers become 503. */
  public static Problem fromBus(Throwable failure) {
    if (failure instanceof Problem p) {
      return p;
    }
    if (failure instanceof ReplyException re) {
      switch (re.failureType()) {
        case TIMEOUT:
          return unavailable("The request timed out inside the server; retry later");
        case NO_HANDLERS:
          return unavailable("The service is not available right now; retry later");
        default:
          return fromJson(re.failureCode(), re.getMessage());
      }
    }
    return internal();
  }

  private static Problem fromJson(int status, String encoded) {
    try {
      JsonObject json = new JsonObject(encoded);
      ProblemType type = ProblemType.fromUri(json.getString("type"));
      JsonObject extensions = json.copy();
      for (String standard : new String[] {"type", "title", "status", "detail", "errors"}) {
        extensions.remove(standard);
      }
      return new Problem(type, json.getInteger("status", status), json.getString("title", type.title()),
          json.getString("detail"), json.getJsonArray("errors"), extensions.isEmpty() ? null : extensions);
    } catch (RuntimeException notJson) {
      return status >= 400 && status < 600 && status != 500
          ? new Problem(ProblemType.OTHER, status, ProblemType.OTHER.title(), "The request failed", null, null)
          : internal();
    }
  }
}
