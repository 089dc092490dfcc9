package dev.parley.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of Parley that forwards every request, but loses the answer of the first
 * POST: Parley did the work, the client sees a broken connection.
 */
final class DroppingProxy implements AutoCloseable {

  private static final Set<String> HOP = Set.of("connection", "content-length", "host", "transfer-encoding", "upgrade",
      "expect");
  private final HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicInteger dropped = new AtomicInteger();

  DroppingProxy(URI target) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> forward(exchange, target));
    server.start();
  }

  private void forward(HttpExchange exchange, URI target) throws IOException {
    try {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
          .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      exchange.getRequestHeaders().forEach((name, values) -> {
        if (!HOP.contains(name.toLowerCase())) {
          values.forEach(v -> request.header(name, v));
        }
      });
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      if ("POST".equals(exchange.getRequestMethod()) && dropped.compareAndSet(0, 1)) {
        exchange.getResponseBody().close(); // no status line: the answer is lost
        exchange.close();
        return;
      }
      response.headers().map().forEach((name, values) -> {
        if (!HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
          exchange.getResponseHeaders().put(name, values);
        }
      });
      exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(response.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.close();
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  int dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
