package dev.parley.http;

import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What every request passes before routing: a request target whose percent-escapes decode to
 * valid UTF-8 (the router cannot even match a path it cannot decode), and no form or multipart
 * body (Parley takes JSON only; parsing forms is work and memory nobody asked for). A refusal is a
 * problem+json answer with its access-log line, like every other response.
 * <p>
 * It also bounds how slowly a client may talk: a connection must deliver a request's headers
 * within http.header_timeout_ms of opening or of its previous response (else it is closed), and a
 * request's body within http.body_timeout_ms of its headers (else 408). Confined to one HTTP
 * verticle's event loop, like the connections it watches.
 */
final class RequestGate implements Handler<HttpServerRequest> {

  private final Handler<HttpServerRequest> next;
  private final long headerTimeoutNanos;
  private final long bodyTimeoutNanos;
  private final Map<HttpConnection, Watch> connections = new HashMap<>();

  /** One connection: when its next headers or its current body are due (0: not due), its requests in flight. */
  private static final class Watch {
    long headersDue;
    long bodyDue;
    HttpServerRequest receiving;
    int inFlight;
  }

  RequestGate(Vertx vertx, Handler<HttpServerRequest> next, long headerTimeoutMs, long bodyTimeoutMs) {
    this.next = next;
    this.headerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headerTimeoutMs);
    this.bodyTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(bodyTimeoutMs);
    long sweepMs = Math.max(50, Math.min(headerTimeoutMs, bodyTimeoutMs) / 4);
    vertx.setPeriodic(sweepMs, id -> sweep());
  }

  /** For HttpServer.connectionHandler: the first request's headers are due now. */
  void connected(HttpConnection connection) {
    Watch watch = new Watch();
    watch.headersDue = System.nanoTime() + headerTimeoutNanos;
    connections.put(connection, watch);
    connection.closeHandler(v -> connections.remove(connection));
  }

  @Override
  public void handle(HttpServerRequest request) {
    Watch watch = connections.get(request.connection());
    if (watch != null) {
      watch.headersDue = 0;
      watch.inFlight++;
    }
    Problem refused = check(request);
    if (refused != null) {
      refuse(request, refused);
      return;
    }
    if (watch != null && !request.isEnded() && hasBody(request)) {
      watch.bodyDue = System.nanoTime() + bodyTimeoutNanos;
      watch.receiving = request;
    }
    next.handle(request);
  }

  /** Called when a routed request's response has ended: the next request's headers are due. */
  void ended(HttpServerRequest request) {
    Watch watch = connections.get(request.connection());
    if (watch != null && --watch.inFlight <= 0) {
      watch.inFlight = 0;
      watch.bodyDue = 0;
      watch.receiving = null;
      watch.headersDue = System.nanoTime() + headerTimeoutNanos;
    }
  }

  /** Closes connections whose headers are late; answers 408 to requests whose body is late. */
  private void sweep() {
    long now = System.nanoTime();
    for (Map.Entry<HttpConnection, Watch> e : new ArrayList<>(connections.entrySet())) {
      Watch watch = e.getValue();
      if (watch.headersDue != 0 && now - watch.headersDue > 0) {
        watch.headersDue = 0;
        e.getKey().close();
      } else if (watch.bodyDue != 0 && now - watch.bodyDue > 0) {
        HttpServerRequest request = watch.receiving;
        watch.bodyDue = 0;
        if (request != null && !request.isEnded() && !request.response().headWritten()) {
          request.response().putHeader("Connection", "close");
          refuseAndLog(request, new Problem(ProblemType.REQUEST_TIMEOUT,
              "The request body did not arrive in time"));
          e.getKey().close();
        }
      }
    }
  }

  private static boolean plainAscii(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '%' || c >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    return length != null && !"0".equals(length.trim()) || request.getHeader("Transfer-Encoding") != null;
  }

  /**
   * For requests the HTTP decoder could not read (a request line or headers too long, a broken
   * header): the same problem+json answer as every other refusal, then the connection closes.
   */
  static void invalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
    Problem problem;
    if (cause instanceof io.netty.handler.codec.TooLongFrameException && cause.getMessage() != null
        && cause.getMessage().contains("header")) {
      problem = new Problem(ProblemType.HEADERS_TOO_LARGE,
          "The request headers are larger than the server accepts");
    } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      problem = new Problem(ProblemType.URI_TOO_LONG, "The request target is longer than the server accepts");
    } else {
      problem = Problem.badRequest("The request is not valid HTTP");
    }
    refuseAndLog(request, problem);
  }

  private void refuse(HttpServerRequest request, Problem refused) {
    refuseAndLog(request, refused);
    ended(request);
  }

  private static void refuseAndLog(HttpServerRequest request, Problem refused) {
    long started = System.nanoTime();
    String requestId = RequestIds.accept(request.getHeader(RequestIds.HEADER));
    request.response().putHeader(RequestIds.HEADER, requestId);
    request.response().endHandler(v -> AccessLog.line(requestId, request.method() + " (refused)", null,
        request.response().getStatusCode(), started));
    Problems.send(request, refused);
  }

  static Problem check(HttpServerRequest request) {
    if (!decodable(request.uri())) {
      return Problem.badRequest("The request target has a malformed percent-escape or is not UTF-8");
    }
    String type = request.getHeader("Content-Type");
    if (type != null) {
      String lower = type.trim().toLowerCase(java.util.Locale.ROOT);
      if (lower.startsWith("multipart/") || lower.startsWith("application/x-www-form-urlencoded")) {
        return Problems.unsupportedMediaType();
      }
    }
    return null;
  }

  /** Every '%' starts two hex digits, and the decoded bytes are valid UTF-8. */
  static boolean decodable(String uri) {
    if (plainAscii(uri)) {
      return true; // the common case: nothing to decode, no allocation on the hot path
    }
    ByteBuffer bytes = ByteBuffer.allocate(uri.length() * 4);
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '%') {
        if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0
            || Character.digit(uri.charAt(i + 2), 16) < 0) {
          return false;
        }
        bytes.put((byte) Integer.parseInt(uri.substring(i + 1, i + 3), 16));
        i += 2;
      } else if (c < 0x80) {
        bytes.put((byte) c);
      } else {
        bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    bytes.flip();
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
