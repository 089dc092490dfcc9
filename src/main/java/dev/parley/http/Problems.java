package dev.parley.http;

import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
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
    send(rc.request(), problem);
  }

  /** The problem as problem+json, or in OpenAI's error shape on the OpenAI-compatible paths. */
  static void send(io.vertx.core.http.HttpServerRequest request, Problem problem) {
    if (CompletionsRoutes.openAiPath(request.uri())) {
      // OpenAI's clients read OpenAI's error shape; the status and headers are the same.
      headers(request.response(), problem).putHeader("Content-Type", "application/json")
          .end(CompletionsRoutes.error(problem).toBuffer());
      return;
    }
    send(request.response(), problem);
  }

  static Problem unsupportedMediaType() {
    return new Problem(ProblemType.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json");
  }

  static void send(HttpServerResponse response, Problem problem) {
    headers(response, problem).putHeader("Content-Type", CONTENT_TYPE).end(problem.toJson().toBuffer());
  }

  /** The status and the headers a problem brings: WWW-Authenticate, Retry-After, RateLimit-*. */
  private static HttpServerResponse headers(HttpServerResponse response, Problem problem) {
    response.setStatusCode(problem.status());
    if (problem.status() == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    JsonObject extensions = problem.extensions();
    if (problem.status() == 503 || problem.status() == 429 || extensions.containsKey("retry_after")) {
      response.putHeader("Retry-After", Long.toString(Math.max(1, extensions.getLong("retry_after", 1L))));
    }
    JsonObject limit = extensions.getJsonObject("rate_limit");
    if (limit != null) {
      response.putHeader("RateLimit-Limit", limit.getValue("limit").toString())
          .putHeader("RateLimit-Remaining", limit.getValue("remaining").toString())
          .putHeader("RateLimit-Reset", limit.getValue("reset").toString());
    }
    return response;
  }

  private static Problem toProblem(RoutingContext rc) {
    Throwable failure = rc.failure();
    if (failure instanceof Problem problem) {
      return problem;
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
        return new Problem(ProblemType.METHOD_NOT_ALLOWED, "This resource does not support that method");
      case 413:
        return new Problem(ProblemType.PAYLOAD_TOO_LARGE, "The request body is larger than the server accepts");
      case 415:
        return unsupportedMediaType();
      default:
        if (failure != null) {
          LOG.error("Unhandled failure on {} {}: {}", rc.request().method(), rc.normalizedPath(),
              failure.getClass().getName());
          LOG.debug("Unhandled failure", failure);
        }
        return Problem.internal();
    }
  }


}
