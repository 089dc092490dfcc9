package dev.parley.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProblemTest {

  @Test
  @DisplayName("A problem crosses the bus and comes back with its type, status, pointer and extensions")
  void roundTrip() {
    Problem limited = Problem.tooManyRequests("slow down", 7, 10, 0, 30);
    Problem back = Problem.fromBus(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 429, limited.toJson().encode()));
    assertEquals(ProblemType.RATE_LIMITED, back.type());
    assertEquals(429, back.status());
    assertEquals(7, back.extensions().getInteger("retry_after"));
    assertEquals(limited.toJson(), back.toJson());
    Problem invalid = Problem.fromJson(Problem.invalid("/a/b", "wrong").toJson());
    assertEquals("/a/b", invalid.toJson().getJsonArray("errors").getJsonObject(0).getString("pointer"));
    assertEquals(ProblemType.VALIDATION, invalid.type());
  }

  @Test
  @DisplayName("Time-outs and missing handlers are 503; a failure without a problem document keeps only its status")
  void busFailures() {
    assertEquals(503, Problem.fromBus(new ReplyException(ReplyFailure.TIMEOUT, "t")).status());
    assertEquals(503, Problem.fromBus(new ReplyException(ReplyFailure.NO_HANDLERS, "n")).status());
    Problem text = Problem.fromBus(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "not json"));
    assertEquals(409, text.status());
    assertEquals(ProblemType.OTHER, text.type());
    assertEquals("/problems/error", text.toJson().getString("type"));
    assertEquals(500, Problem.fromBus(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 500, "boom")).status());
    assertEquals(500, Problem.fromBus(new IllegalStateException("x")).status());
  }

  @Test
  @DisplayName("Types are found by URI; unknown URIs are OTHER; every type has its own URI")
  void types() {
    assertEquals(ProblemType.CONTEXT_TOO_LONG, ProblemType.fromUri("/problems/context-too-long"));
    assertEquals(ProblemType.OTHER, ProblemType.fromUri("/problems/who-knows"));
    assertEquals(ProblemType.OTHER, ProblemType.fromUri(null));
    assertEquals(ProblemType.values().length,
        java.util.Arrays.stream(ProblemType.values()).map(ProblemType::uri).distinct().count());
    JsonObject json = new Problem(ProblemType.PROVIDER_TIMEOUT, "late").toJson();
    assertEquals(504, json.getInteger("status"));
    assertEquals("Provider Timeout", json.getString("title"));
    assertNull(json.getValue("errors"));
  }
}
