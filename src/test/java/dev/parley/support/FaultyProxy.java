package dev.parley.support;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy for fault injection: passes bytes through, or drops every connection (as if the
 * server died), or stalls them (accepts and forwards nothing, as if it hung).
 */
public final class FaultyProxy implements AutoCloseable {

  public enum Mode { PASS, DROP, STALL }

  private final Vertx vertx = Vertx.vertx();
  private final NetClient client = vertx.createNetClient();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private final NetServer server;
  private volatile Mode mode = Mode.PASS;

  public FaultyProxy(String targetHost, int targetPort) {
    server = TestServer.await(vertx.createNetServer().connectHandler(inbound -> {
      if (mode == Mode.DROP) {
        inbound.close();
        return;
      }
      open.add(inbound);
      inbound.pause();
      inbound.closeHandler(v -> open.remove(inbound));
      client.connect(targetPort, targetHost).onSuccess(outbound -> {
        open.add(outbound);
        outbound.closeHandler(v -> {
          open.remove(outbound);
          inbound.close();
        });
        inbound.closeHandler(v -> {
          open.remove(inbound);
          outbound.close();
        });
        inbound.handler(data -> {
          if (mode == Mode.PASS) {
            outbound.write(data);
          }
        });
        outbound.handler(data -> {
          if (mode == Mode.PASS) {
            inbound.write(data);
          }
        });
        inbound.resume();
      }).onFailure(e -> inbound.close());
    }).listen(0, "127.0.0.1"));
  }

  /** A proxy in front of the test Redis. */
  public static FaultyProxy forRedis() {
    URI uri = URI.create(TestServices.redisUrl());
    return new FaultyProxy(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
  }

  public int port() {
    return server.actualPort();
  }

  public String redisUrl() {
    return "redis://127.0.0.1:" + server.actualPort();
  }

  public void mode(Mode next) {
    mode = next;
    if (next == Mode.DROP) {
      for (NetSocket socket : open) {
        socket.close();
      }
    }
  }

  @Override
  public void close() {
    TestServer.await(vertx.close());
  }
}
