package dev.parley.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one way a verticle serves the bus: every request is answered once, whatever the operation does. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class BusEndpointTest {

  /** Far below any time-out a caller would use: an answer must come from the endpoint. */
  private static final DeliveryOptions AS_USER = new DeliveryOptions().setSendTimeout(3_000)
      .addHeader(BusHeaders.USER, "endpoint-user").addHeader(BusHeaders.REQUEST_ID, "req-1");

  private final List<String> observed = new ArrayList<>();
  private BusEndpoint endpoint;

  @BeforeEach
  void setUp(Vertx vertx) {
    BusEndpoint.Failures explained = failure -> failure instanceof IllegalStateException
        ? Optional.of(Problem.unavailable("explained")) : Optional.empty();
    endpoint = new BusEndpoint(vertx, 16, explained, new BusEndpoint.Observer() {
      @Override
      public void succeeded(BusEndpoint.Request request, Reply reply) {
        observed.add("ok " + request.address() + " " + request.user() + " " + request.requestId());
      }

      @Override
      public void failed(BusEndpoint.Request request, Problem problem) {
        observed.add("failed " + request.address() + " " + problem.status());
      }
    });
  }

  private static int status(Throwable failure) {
    return ((ReplyException) failure).failureCode();
  }

  @Test
  @DisplayName("A reply is answered with its status header, handed over without a copy in this JVM; "
      + "the observer sees the user and request id")
  void reply(Vertx vertx, VertxTestContext test) {
    JsonObject[] sent = new JsonObject[1];
    endpoint.serve("t.ok", BusEndpoint.Caller.USER, r -> {
      sent[0] = r.body().put("seen", true);
      return Future.succeededFuture(Reply.created(sent[0]));
    });
    vertx.eventBus().<JsonObject>request("t.ok", new JsonObject().put("a", 1), AS_USER)
        .onComplete(test.succeeding(msg -> test.verify(() -> {
          assertEquals("201", msg.headers().get(BusHeaders.STATUS));
          assertTrue(msg.body().getBoolean("seen"));
          assertSame(sent[0], msg.body(), "the local reply codec hands the body over");
          assertEquals(List.of("ok t.ok endpoint-user req-1"), observed);
          test.completeNow();
        })));
  }

  @Test
  @DisplayName("Thrown, failed, null and unexplained failures are all answered: problem, explained problem, 500")
  void everyFailureIsAnswered(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint(6);
    endpoint.serve("t.throws", BusEndpoint.Caller.USER, r -> {
      throw Problem.notFound("The thing");
    });
    endpoint.serve("t.fails", BusEndpoint.Caller.USER, r -> Future.failedFuture(new IllegalStateException("db")));
    endpoint.serve("t.null", BusEndpoint.Caller.USER, r -> null);
    endpoint.serve("t.nullreply", BusEndpoint.Caller.USER, r -> Future.succeededFuture());
    endpoint.serve("t.bug", BusEndpoint.Caller.USER, r -> Future.failedFuture(new ArithmeticException("bug")));
    endpoint.serve("t.cast", BusEndpoint.Caller.USER, r -> {
      long ignored = r.body().getLong("n");
      return Future.succeededFuture(Reply.noContent());
    });
    expect(vertx, test, answered, "t.throws", new JsonObject(), 404);
    expect(vertx, test, answered, "t.fails", new JsonObject(), 503);
    expect(vertx, test, answered, "t.null", new JsonObject(), 500);
    expect(vertx, test, answered, "t.nullreply", new JsonObject(), 500);
    expect(vertx, test, answered, "t.bug", new JsonObject(), 500);
    expect(vertx, test, answered, "t.cast", new JsonObject().put("n", "not a number"), 400);
  }

  private static void expect(Vertx vertx, VertxTestContext test, Checkpoint answered, String address, JsonObject body,
                             int status) {
    vertx.eventBus().request(address, body, AS_USER).onComplete(test.failing(e -> test.verify(() -> {
      assertEquals(status, status(e), address + ": " + e.getMessage());
      assertEquals(status, new JsonObject(e.getMessage()).getInteger("status"), "a problem document");
      answered.flag();
    })));
  }

  @Test
  @DisplayName("The edge: user header by the subject rule, JSON object body, clean text; service addresses need no user")
  void edge(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint(5);
    endpoint.serve("t.user", BusEndpoint.Caller.USER, r -> Future.succeededFuture(Reply.noContent()));
    endpoint.serve("t.service", BusEndpoint.Caller.SERVICE, r -> {
      test.verify(() -> assertSame(null, r.user()));
      return Future.succeededFuture(Reply.noContent());
    });
    for (String user : new String[] {null, "seventeen-chars-x", "tab\tuser"}) {
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(3_000);
      if (user != null) {
        options.addHeader(BusHeaders.USER, user);
      }
      vertx.eventBus().request("t.user", new JsonObject(), options).onComplete(test.failing(e -> test.verify(() -> {
        assertEquals(400, status(e), String.valueOf(user));
        answered.flag();
      })));
    }
    vertx.eventBus().request("t.user", new JsonObject().put("text", "nul\u0000"), AS_USER)
        .onComplete(test.failing(e -> test.verify(() -> {
          assertEquals("/text", new JsonObject(e.getMessage()).getJsonArray("errors").getJsonObject(0).getString("pointer"));
          answered.flag();
        })));
    vertx.eventBus().request("t.service", null, new DeliveryOptions().setSendTimeout(3_000))
        .onComplete(test.succeeding(ok -> answered.flag()));
  }
}
