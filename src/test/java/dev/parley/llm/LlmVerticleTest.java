package dev.parley.llm;

import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.NodeConfig;
import dev.parley.support.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The LLM verticle alone, over the bus, against a fake provider speaking the OpenAI wire protocol. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class LlmVerticleTest {

  /** Well below the 30 s a sender would wait: every answer here must come from the verticle itself. */
  private static final DeliveryOptions AS_USER = new DeliveryOptions().setSendTimeout(5_000)
      .addHeader(BusHeaders.USER, "llm-user");

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final FakeProvider fake = new FakeProvider();

  @AfterEach
  void closeFake() {
    fake.close();
  }

  private Future<String> deploy(Vertx vertx, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(ChatFixtures.env(fake, Map.of("PARLEY_LLM_MAX_ATTEMPTS", "1")));
    env.putAll(extra);
    return vertx.deployVerticle(new LlmVerticle(now::get), new DeploymentOptions().setConfig(NodeConfig.of(env)));
  }

  private static JsonObject call(String model) {
    return new JsonObject().put("model", model).put("max_output_tokens", 16)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  private static Future<Message<JsonObject>> complete(Vertx vertx, JsonObject body) {
    return vertx.eventBus().request(InternalAddresses.LLM_COMPLETE, body, AS_USER);
  }

  private static int status(Throwable failure) {
    return ((ReplyException) failure).failureCode();
  }

  @Test
  @DisplayName("The breaker opens after repeated failures, then half-opens when its clock has moved on, not after a wait")
  void breakerFollowsTheClock(Vertx vertx, VertxTestContext test) {
    fake.fallback(c -> c.status(500, null, new JsonObject()));
    deploy(vertx, Map.of("PARLEY_LLM_BREAKER_FAILURES", "2", "PARLEY_LLM_BREAKER_OPEN_MS", "60000"))
        .compose(id -> complete(vertx, call("fake-gpt")).transform(ar -> Future.succeededFuture(status(ar.cause()))))
        .compose(first -> {
          test.verify(() -> assertEquals(502, first));
          return complete(vertx, call("fake-gpt")).transform(ar -> Future.succeededFuture(status(ar.cause())));
        })
        .compose(second -> complete(vertx, call("fake-gpt")).transform(ar -> Future.succeededFuture(ar.cause())))
        .compose(open -> {
          test.verify(() -> {
            assertEquals(503, status(open));
            assertEquals("/problems/provider-unavailable", new JsonObject(open.getMessage()).getString("type"));
            assertEquals(2, fake.calls().size(), "an open breaker does not call the provider");
          });
          fake.fallback(c -> c.reply("fine"));
          now.addAndGet(60_000);
          return complete(vertx, call("fake-gpt"));
        })
        .onComplete(test.succeeding(reply -> test.verify(() -> {
          assertEquals("fine", reply.body().getString("content"));
          assertEquals(3, fake.calls().size());
          test.completeNow();
        })));
  }

  @Test
  @DisplayName("Model limits come from the catalogue: a caller cannot lift them by sending its own")
  void limitsAreTheCataloguesOwn(Vertx vertx, VertxTestContext test) {
    JsonObject lifted = call("limited").put("rpm", 1_000_000).put("tpm", 0).put("max_concurrent", 0)
        .put("model_spec", new JsonObject().put("rpm", 1_000_000));
    deploy(vertx, Map.of())
        .compose(id -> complete(vertx, lifted))
        .compose(first -> complete(vertx, lifted).transform(ar -> Future.succeededFuture(ar.cause())))
        .onComplete(test.succeeding(second -> test.verify(() -> {
          assertEquals(429, status(second), "the model named 'limited' allows one request per minute");
          assertEquals(1, fake.calls().size());
          test.completeNow();
        })));
  }

  @Test
  @DisplayName("Bad requests are 400 problems, answered at once: no user, unknown model, messages not an array")
  void badRequests(Vertx vertx, VertxTestContext test) {
    Checkpoint answered = test.checkpoint(3);
    deploy(vertx, Map.of()).onComplete(test.succeeding(id -> {
      vertx.eventBus().request(InternalAddresses.LLM_COMPLETE, call("fake-gpt"), new DeliveryOptions().setSendTimeout(5_000))
          .onComplete(test.failing(e -> test.verify(() -> {
            assertEquals(400, status(e));
            answered.flag();
          })));
      complete(vertx, call("nobody/knows")).onComplete(test.failing(e -> test.verify(() -> {
        assertEquals(400, status(e));
        assertEquals("/model", new JsonObject(e.getMessage()).getJsonArray("errors").getJsonObject(0).getString("pointer"));
        answered.flag();
      })));
      complete(vertx, call("fake-gpt").put("messages", "hi")).onComplete(test.failing(e -> test.verify(() -> {
        assertEquals(400, status(e));
        assertEquals(0, fake.calls().size());
        answered.flag();
      })));
    }));
  }

  @Test
  @DisplayName("A provider that cannot be reached is a prompt 502 problem, never a sender's time-out")
  void providerDown(Vertx vertx, VertxTestContext test) {
    String closed = "http://127.0.0.1:" + TestServices.freePort();
    deploy(vertx, Map.of("PARLEY_OPENAI_BASE_URL", closed))
        .compose(id -> complete(vertx, call("fake-gpt")))
        .onComplete(test.failing(e -> test.verify(() -> {
          assertEquals(502, status(e), e.getMessage());
          test.completeNow();
        })));
  }

  @Test
  @DisplayName("A dead Redis costs the model limits nothing: they fall back to this node and still answer")
  void redisDown(Vertx vertx, VertxTestContext test) {
    String deadRedis = "redis://127.0.0.1:" + TestServices.freePort();
    deploy(vertx, Map.of("PARLEY_REDIS_URL", deadRedis, "PARLEY_REDIS_TIMEOUT_MS", "200"))
        .compose(id -> complete(vertx, call("limited")))
        .compose(first -> complete(vertx, call("limited")).transform(ar -> Future.succeededFuture(ar.cause())))
        .onComplete(test.succeeding(second -> test.verify(() -> {
          assertEquals(429, status(second));
          test.completeNow();
        })));
  }
}
