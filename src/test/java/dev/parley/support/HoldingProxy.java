package dev.parley.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP proxy on 127.0.0.1 in front of a test server that can hold back one kind of
 * request (it arrives, and is never forwarded), to stop a client between two of its steps.
 */
public final class HoldingProxy implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final HttpClient client;
  private final int targetPort;
  private volatile HttpMethod holding;
  private final AtomicInteger forwarded = new AtomicInteger();
  private volatile CountDownLatch held = new CountDownLatch(1);

  public HoldingProxy(int targetPort) {
    this.targetPort = targetPort;
    this.client = vertx.createHttpClient();
    this.server = TestServer.await(vertx.createHttpServer().requestHandler(this::handle)
        .listen(TestServices.freePort(), "127.0.0.1"));
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** From now on, requests with this method are held; null: every request is forwarded. */
  public void hold(HttpMethod method) {
    held = new CountDownLatch(1);
    holding = method;
  }

  /** Waits until a request has been held. */
  public boolean awaitHeld(long seconds) throws InterruptedException {
    return held.await(seconds, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Requests forwarded and answered so far. */
  public int forwarded() {
    return forwarded.get();
  }

  private void handle(HttpServerRequest request) {
    request.pause();
    if (request.method().equals(holding)) {
      held.countDown();
      return; // never answered
    }
    RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1").setPort(targetPort)
        .setURI(request.uri()).setHeaders(request.headers());
    request.body().compose(body -> client.request(options)
            .compose(out -> out.send(body)).compose(response -> response.body().map(payload -> {
              request.response().setStatusCode(response.statusCode()).headers().setAll(response.headers());
              request.response().end(payload);
              forwarded.incrementAndGet();
              return null;
            })))
        .onFailure(e -> request.response().setStatusCode(502).end(Buffer.buffer("proxy: " + e.getMessage())));
    request.resume();
  }

  @Override
  public void close() {
    TestServer.await(vertx.close());
  }
}
