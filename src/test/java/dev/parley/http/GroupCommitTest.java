package dev.parley.http;

import dev.parley.support.Http;
import dev.parley.support.Metrics;
import dev.parley.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static dev.parley.support.TestServer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group commit: concurrent appends share transactions, and nothing about an append changes for
 * its caller. One store verticle, so every append goes through one batcher.
 */
class GroupCommitTest {

  private static TestServer server;
  private static WebClient client;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("PARLEY_STORE_INSTANCES", "1"));
    // Many connections: the appends must really be in flight together.
    client = WebClient.create(server.clientVertx(), new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.port()), new PoolOptions().setHttp1MaxSize(64));
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  private static Future<HttpResponse<Buffer>> append(String user, String conversation, JsonArray messages, String key) {
    var request = client.request(HttpMethod.POST, "/v1/conversations/" + conversation + "/messages")
        .putHeader("Authorization", server.bearer(user));
    if (key != null) {
      request.putHeader("Idempotency-Key", key);
    }
    return request.sendJsonObject(new JsonObject().put("messages", messages));
  }

  private static JsonArray messages(String prefix, int count) {
    JsonArray messages = new JsonArray();
    for (int j = 0; j < count; j++) {
      messages.add(new JsonObject().put("role", j % 2 == 0 ? "user" : "assistant").put("content", prefix + "/" + j));
    }
    return messages;
  }

  private static JsonArray history(Http user, String conversation) {
    return user.get("/v1/conversations/" + conversation + "/messages?limit=100").bodyAsJsonObject().getJsonArray("data");
  }

  @Test
  @DisplayName("Concurrent appends share transactions: every conversation stays gapless, each message stored once, a foreign or missing conversation fails alone")
  void concurrentAppendsShareTransactions() {
    Http alice = Http.as(server, "alice-group");
    Http bob = Http.as(server, "bob-group");
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      mine.add(alice.newConversation());
    }
    String bobs = bob.newConversation();
    double transactionsBefore = Metrics.value(server, "parley_append_batch_size_count");
    double appendsBefore = Metrics.value(server, "parley_append_batch_size_sum");

    record Sent(String conversation, JsonArray messages, Future<HttpResponse<Buffer>> response) {
    }
    List<Runnable> order = new ArrayList<>();
    List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    Random random = new Random(7);
    for (int c = 0; c < mine.size(); c++) {
      for (int i = 0; i < 30; i++) {
        String conversation = mine.get(c);
        JsonArray batch = messages("c" + c + "-" + i, 1 + random.nextInt(3));
        order.add(() -> sent.add(new Sent(conversation, batch, append("alice-group", conversation, batch, null))));
      }
    }
    for (int i = 0; i < 15; i++) {
      JsonArray batch = messages("foreign-" + i, 1);
      order.add(() -> sent.add(new Sent(bobs, batch, append("alice-group", bobs, batch, null))));
      String missing = UUID.randomUUID().toString();
      order.add(() -> sent.add(new Sent(missing, batch, append("alice-group", missing, batch, null))));
    }
    Collections.shuffle(order, random);
    order.forEach(Runnable::run);
    await(Future.join(sent.stream().map(Sent::response).toList()));

    Map<String, Integer> expected = new HashMap<>();
    for (Sent s : sent) {
      HttpResponse<Buffer> response = s.response().result();
      if (!mine.contains(s.conversation())) {
        assertEquals(404, response.statusCode(), response.bodyAsString());
        assertEquals("application/problem+json", response.getHeader("Content-Type"));
        continue;
      }
      assertEquals(201, response.statusCode(), response.bodyAsString());
      JsonArray data = response.bodyAsJsonObject().getJsonArray("data");
      assertEquals(s.messages().size(), data.size());
      for (int j = 0; j < data.size(); j++) {
        assertEquals(s.messages().getJsonObject(j).getString("content"), data.getJsonObject(j).getString("content"));
        // One append's messages keep their order and are consecutive.
        assertEquals(data.getJsonObject(0).getLong("seq") + j, data.getJsonObject(j).getLong("seq"));
      }
      expected.merge(s.conversation(), s.messages().size(), Integer::sum);
    }
    for (String conversation : mine) {
      JsonArray stored = history(alice, conversation);
      assertEquals(expected.get(conversation), stored.size());
      Set<String> contents = new HashSet<>();
      for (int i = 0; i < stored.size(); i++) {
        assertEquals(i + 1L, stored.getJsonObject(i).getLong("seq"));
        assertTrue(contents.add(stored.getJsonObject(i).getString("content")));
      }
      JsonObject counters = alice.get("/v1/conversations/" + conversation).bodyAsJsonObject();
      assertEquals(expected.get(conversation), counters.getInteger("message_count"));
    }
    assertEquals(0, history(bob, bobs).size());

    double transactions = Metrics.value(server, "parley_append_batch_size_count") - transactionsBefore;
    double appends = Metrics.value(server, "parley_append_batch_size_sum") - appendsBefore;
    assertEquals(150, appends, "every append counted once");
    assertTrue(transactions < appends / 2, "appends shared transactions: " + transactions + " for " + appends);
  }

  @Test
  @DisplayName("Idempotent appends in batches: a key writes once and is replayed; a reused key with another body is refused alone, its neighbours are stored")
  void idempotentAppendsInBatches() {
    Http carol = Http.as(server, "carol-group");
    String conversation = carol.newConversation();
    double splitBefore = Metrics.value(server, "parley_append_batch_split_total");

    List<Future<HttpResponse<Buffer>>> first = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      String key = "key-" + k;
      keys.add(key);
      for (int copy = 0; copy < 3; copy++) {
        first.add(append("carol-group", conversation, messages("k" + k, 1), key));
      }
    }
    await(Future.join(first));
    for (int k = 0; k < 30; k++) {
      List<HttpResponse<Buffer>> copies = new ArrayList<>();
      for (int copy = 0; copy < 3; copy++) {
        copies.add(first.get(k * 3 + copy).result());
      }
      int written = 0;
      for (HttpResponse<Buffer> r : copies) {
        assertEquals(201, r.statusCode(), r.bodyAsString());
        assertEquals(copies.get(0).bodyAsJsonObject(), r.bodyAsJsonObject(), "a replay answers what the first got");
        if (r.getHeader("Idempotent-Replayed") == null) {
          written++;
        }
      }
      assertEquals(1, written, "key " + keys.get(k) + " wrote once");
    }

    List<Future<HttpResponse<Buffer>>> reused = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> fresh = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      fresh.add(append("carol-group", conversation, messages("fresh" + k, 1), "fresh-" + k));
      if (k % 3 == 0) {
        reused.add(append("carol-group", conversation, messages("other body " + k, 1), keys.get(k)));
      }
    }
    await(Future.join(List.of(Future.join(reused), Future.join(fresh))));
    for (Future<HttpResponse<Buffer>> f : reused) {
      assertEquals(422, f.result().statusCode(), f.result().bodyAsString());
    }
    for (Future<HttpResponse<Buffer>> f : fresh) {
      assertEquals(201, f.result().statusCode(), f.result().bodyAsString());
      assertNull(f.result().getHeader("Idempotent-Replayed"));
    }
    JsonArray stored = history(carol, conversation);
    assertEquals(60, stored.size());
    Set<String> contents = new HashSet<>();
    for (int i = 0; i < stored.size(); i++) {
      assertEquals(i + 1L, stored.getJsonObject(i).getLong("seq"));
      assertTrue(contents.add(stored.getJsonObject(i).getString("content")));
    }
    assertTrue(Metrics.value(server, "parley_append_batch_split_total") > splitBefore,
        "a refused key rolled its batch back and the others were run again on their own");
  }
}
