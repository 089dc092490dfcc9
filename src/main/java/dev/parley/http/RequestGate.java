package dev.parley.http;

import dev.parley.bus.Problem;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What every request passes before routing: a request target whose percent-escapes decode to
 * valid UTF-8 (the router cannot even match a path it cannot decode), and no form or multipart
 * body (Parley takes JSON only; parsing forms is work and memory nobody asked for). A refusal is a
 * problem+json answer with its access-log line, like every other response.
 */
final class RequestGate implements Handler<HttpServerRequest> {

  private final Handler<HttpServerRequest> next;

  RequestGate(Handler<HttpServerRequest> next) {
    this.next = next;
  }

  @Override
  public void handle(HttpServerRequest request) {
    Problem refused = check(request);
    if (refused == null) {
      next.handle(request);
      return;
    }
    refuse(request, refused);
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
      problem = new Problem(431, "headers-too-large", "Request Header Fields Too Large",
          "The request headers are larger than the server accepts", null);
    } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      problem = new Problem(414, "uri-too-long", "URI Too Long", "The request target is longer than the server accepts", null);
    } else {
      problem = Problem.badRequest("The request is not valid HTTP");
    }
    refuse(request, problem);
  }

  private static void refuse(HttpServerRequest request, Problem refused) {
    long started = System.nanoTime();
    String requestId = RequestIds.accept(request.getHeader(RequestIds.HEADER));
    request.response().putHeader(RequestIds.HEADER, requestId);
    request.response().endHandler(v -> AccessLog.line(requestId, request.method() + " (refused)", null,
        request.response().getStatusCode(), started));
    Problems.send(request.response(), refused);
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
