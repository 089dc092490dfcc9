package dev.parley.chat;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.Http;
import dev.parley.support.Metrics;
import dev.parley.support.TestServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static dev.parley.support.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Back-pressure from the client's socket to the provider's stream, answers stored whole, and
 * clients that talk too slowly. The fake provider streams as fast as Parley reads; a client that
 * does not read must stop Parley from reading.
 */
class StreamBackPressureTest {

  private static final int STREAMS = 200;
  private static final int ANSWER_CHARS = 4 * 1024 * 1024;

  private static FakeProvider fake;
  private static TestServer server;

  @BeforeAll
  static void start() {
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of("PARLEY_LIMITS_USER_TOKENS_PER_MINUTE", "100000000",
        "PARLEY_LLM_TOTAL_TIMEOUT_MS", "120000", "PARLEY_CHAT_STREAM_STALL_MS", "120000",
        "PARLEY_LLM_FIRST_TOKEN_TIMEOUT_MS", "30000",
        "PARLEY_HTTP_HEADER_TIMEOUT_MS", "1000", "PARLEY_HTTP_BODY_TIMEOUT_MS", "1000",
        "PARLEY_LLM_MAX_CONNECTIONS", "256", "PARLEY_HTTP_SEND_BUFFER_BYTES", "16384",
        "PARLEY_LLM_RECEIVE_BUFFER_BYTES", "32768")));
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  @Test
  @DisplayName("200 streams whose clients stop reading: each holds a bounded amount, not the whole answer")
  void nonReadingClientsPauseTheProvider() throws Exception {
    AtomicLong written = new AtomicLong();
    fake.fallback(call -> call.flood(ANSWER_CHARS, written));
    long heapBefore = usedHeap();
    List<Socket> clients = new ArrayList<>();
    try {
      for (int i = 0; i < STREAMS; i++) {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
        byte[] body = new JsonObject().put("message", "tell me everything").put("model", "long").put("stream", true)
            .encode().getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + server.bearer("reader-" + i)
            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        clients.add(socket); // never read from
      }
      eventually(30_000, "every stream reached the provider", () -> fake.calls().size() >= STREAMS);
      long[] last = {-1};
      eventually(30_000, "the provider streams stall", () -> {
        long now = written.get();
        boolean stalled = now == last[0];
        last[0] = now;
        try {
          Thread.sleep(500); // sampling interval of the stall detection, not a wait for an event
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return stalled;
      });
      long perStream = written.get() / STREAMS;
      long heapPerStream = (usedHeap() - heapBefore) / STREAMS;
      System.out.printf("[back-pressure] %d non-reading streams: provider sent %d KiB per stream (of %d KiB), "
          + "heap grew %d KiB per stream%n", STREAMS, perStream / 1024, ANSWER_CHARS / 1024, heapPerStream / 1024);
      assertTrue(perStream < 1024 * 1024, "the provider was read far ahead of the client: " + perStream + " bytes per stream");
      // Loose on purpose (the whole test JVM is measured); without back-pressure it is the whole 4 MiB answer.
      assertTrue(heapPerStream < 2 * 1024 * 1024, "heap grew " + heapPerStream + " bytes per stream");
    } finally {
      for (Socket socket : clients) {
        socket.close();
      }
      fake.reset();
    }
    // The clients are gone: every paused call is cancelled at once, not after the stall time-out.
    eventually(20_000, "every abandoned call is cancelled", () -> Metrics.value(server, "parley_llm_calls_total",
        "status=\"cancelled\"") >= STREAMS);
  }

  @Test
  @DisplayName("An answer longer than the client input limit is stored whole")
  void longAnswersAreStoredWhole() {
    String answer = "w".repeat(150_000);
    fake.then(call -> call.reply(answer));
    HttpResponse<Buffer> turn = Http.as(server, "long-answer").post("/v1/chat",
        new JsonObject().put("message", "write a lot").put("model", "long"));
    assertEquals(200, turn.statusCode(), turn.bodyAsString());
    String id = turn.bodyAsJsonObject().getString("conversation_id");
    JsonArray stored = Http.as(server, "long-answer").get("/v1/conversations/" + id + "/messages")
        .bodyAsJsonObject().getJsonArray("data");
    assertEquals(150_000, stored.getJsonObject(1).getString("content").length());
  }

  @Test
  @DisplayName("A client that sends its headers one byte at a time is cut off")
  void slowHeaders() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      long started = System.currentTimeMillis();
      byte[] request = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);
      try {
        for (byte b : request) {
          out.write(b);
          out.flush();
          Thread.sleep(100); // the slowness under test
        }
      } catch (IOException closed) {
        // the server closed the connection: what we want
      }
      assertEquals(-1, in.read(), "closed without an answer");
      assertTrue(System.currentTimeMillis() - started < 4_000, "cut off within the header time-out");
    }
  }

  @Test
  @DisplayName("A body that trickles in is answered 408")
  void slowBody() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + server.bearer("slow-body")
          + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] head = socket.getInputStream().readNBytes(12);
      assertEquals("HTTP/1.1 408", new String(head, StandardCharsets.US_ASCII));
    }
  }
}
