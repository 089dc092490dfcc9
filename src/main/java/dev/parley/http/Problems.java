package dev.parley.http;

import dev.parley.bus.Problem;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.ValidatorErrorType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where failures become HTTP responses: RFC 9457 problem+json, never internals. */
final class Problems {

  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  static final String CONTENT_TYPE = "application/problem+json";

  private Problems() {
  }

  /** Failure handler for every route. */
  static void handle(RoutingContext rc) {
    if (rc.response().headWritten()) {
      rc.response().reset();
      return;
    }
    send(rc, toProblem(rc));
  }

  static void send(RoutingContext rc, Problem problem) {
    HttpServerResponse response = rc.response();
    response.setStatusCode(problem.status()).putHeader("Content-Type", CONTENT_TYPE);
    if (problem.status() == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    JsonObject extensions = problem.extensions();
    if (problem.status() == 503 || problem.status() == 429) {
      response.putHeader("Retry-After", Long.toString(Math.max(1, extensions.getLong("retry_after", 1L))));
    }
    JsonObject limit = extensions.getJsonObject("rate_limit");
    if (limit != null) {
      response.putHeader("RateLimit-Limit", limit.getValue("limit").toString())
          .putHeader("RateLimit-Remaining", limit.getValue("remaining").toString())
          .putHeader("RateLimit-Reset", limit.getValue("reset").toString());
    }
    response.end(problem.toJson().toBuffer());
  }

  private static Problem toProblem(RoutingContext rc) {
    Throwable failure = rc.failure();
    if (failure instanceof Problem problem) {
      return problem;
    }
    // The contract router wraps validation failures in an HttpException(400).
    Throwable cause = failure instanceof HttpException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof ValidatorException invalid) {
      return contractViolation(invalid);
    }
    int status = failure instanceof HttpException http ? http.getStatusCode() : rc.statusCode();
    switch (status) {
      case 400:
        return Problem.badRequest("The request is malformed");
      case 401:
        return Problem.unauthorized();
      case 403:
        return Problem.forbidden("This token may not do that");
      case 404:
        return Problem.notFound("The resource");
      case 405:
        return new Problem(405, "method-not-allowed", "Method Not Allowed", "This resource does not support that method", null);
      case 413:
        return new Problem(413, "payload-too-large", "Content Too Large", "The request body is larger than the server accepts", null);
      case 415:
        return new Problem(415, "unsupported-media-type", "Unsupported Media Type", "Send the body as application/json", null);
      default:
        if (failure != null) {
          LOG.error("Unhandled failure on {} {}: {}", rc.request().method(), rc.normalizedPath(),
              failure.getClass().getName());
          LOG.debug("Unhandled failure", failure);
        }
        return Problem.internal();
    }
  }

  private static Problem contractViolation(ValidatorException invalid) {
    if (invalid.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT) {
      return new Problem(415, "unsupported-media-type", "Unsupported Media Type", "Send the body as application/json", null);
    }
    JsonArray errors = new JsonArray();
    if (invalid instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
      List<OutputUnit> leaves = new ArrayList<>();
      collect(schema.getOutputUnit(), leaves);
      for (OutputUnit leaf : deepest(leaves)) {
        errors.add(new JsonObject().put("pointer", pointer(leaf)).put("detail", leaf.getError()));
      }
    }
    return new Problem(400, "validation-error", "Validation failed", safeMessage(invalid), errors.isEmpty() ? null : errors);
  }

  private static void collect(OutputUnit unit, List<OutputUnit> leaves) {
    if (unit.getErrors() != null && !unit.getErrors().isEmpty()) {
      for (OutputUnit child : unit.getErrors()) {
        collect(child, leaves);
      }
    } else if (unit.getError() != null) {
      leaves.add(unit);
    }
  }

  /** Keeps the errors at the deepest locations; the ones above them only repeat "a child failed". */
  private static List<OutputUnit> deepest(List<OutputUnit> leaves) {
    List<OutputUnit> kept = new ArrayList<>();
    for (OutputUnit unit : leaves) {
      String at = pointer(unit);
      boolean covered = leaves.stream().anyMatch(other -> pointer(other).startsWith(at + "/"));
      if (!covered) {
        kept.add(unit);
      }
    }
    return kept;
  }

  /** The validator reports "#/a/b"; RFC 6901 pointers are "/a/b". */
  private static String pointer(OutputUnit unit) {
    String location = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation();
    return location.startsWith("#") ? location.substring(1) : location;
  }

  /** The validator's message names parameters and schema rules, never the submitted values. */
  private static String safeMessage(ValidatorException invalid) {
    String message = invalid.getMessage();
    return message == null ? "invalid request" : message;
  }
}
