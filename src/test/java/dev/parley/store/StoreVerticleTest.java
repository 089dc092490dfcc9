package dev.parley.store;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.NewMessage;
import dev.parley.bus.Replies;
import dev.parley.bus.Requests;
import dev.parley.bus.Role;
import dev.parley.db.DatabaseUrl;
import dev.parley.support.NodeConfig;
import dev.parley.support.TestServices;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store verticle alone, over the bus, on its own PostgreSQL database (no Redis). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class StoreVerticleTest {

  private static final DeliveryOptions AS_USER = new DeliveryOptions().setSendTimeout(10_000)
      .addHeader(BusHeaders.USER, "store-user");

  private JsonObject config;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext test) {
    config = NodeConfig.withDatabase(Map.of("PARLEY_PG_CONNECT_TIMEOUT_MS", "1000"));
    vertx.deployVerticle(StoreVerticle.class, new DeploymentOptions().setConfig(config))
        .onComplete(test.succeedingThenComplete());
  }

  private static Future<JsonObject> request(Vertx vertx, String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, AS_USER).map(Message::body);
  }

  @Test
  @DisplayName("Replies read back through their types unchanged: create, append, list, get")
  void repliesMatchTheirTypes(Vertx vertx, VertxTestContext test) {
    Requests.CreateConversation create = new Requests.CreateConversation("typed", new JsonObject().put("k", "v"),
        List.of(NewMessage.of(Role.USER, "first")));
    request(vertx, Addresses.CONVERSATIONS_CREATE, create.toJson()).compose(created -> {
      Replies.Conversation conversation = Replies.Conversation.fromJson(created);
      test.verify(() -> {
        assertEquals(created, conversation.toJson());
        assertEquals(1, conversation.messageCount());
      });
      Requests.AppendMessages append = new Requests.AppendMessages(conversation.id(),
          List.of(NewMessage.of(Role.ASSISTANT, "second")));
      return request(vertx, Addresses.MESSAGES_APPEND, append.toJson()).map(appended -> {
        test.verify(() -> assertEquals(appended, Replies.Page.fromJson(appended, Replies.Message::fromJson)
            .toJson(Replies.Message::toJson)));
        return conversation;
      });
    }).compose(conversation -> request(vertx, Addresses.MESSAGES_LIST,
        new JsonObject().put("conversation_id", conversation.id().toString())).map(page -> {
          Replies.Page<Replies.Message> messages = Replies.Page.fromJson(page, Replies.Message::fromJson);
          test.verify(() -> {
            assertEquals(page, messages.toJson(Replies.Message::toJson));
            assertEquals(List.of(Role.USER, Role.ASSISTANT), messages.data().stream().map(Replies.Message::role).toList());
          });
          return conversation;
        }))
        .compose(conversation -> request(vertx, Addresses.CONVERSATIONS_GET,
            new Requests.ConversationId(conversation.id()).toJson()))
        .onComplete(test.succeeding(got -> test.verify(() -> {
          assertEquals(got, Replies.Conversation.fromJson(got).toJson());
          assertEquals(2, got.getInteger("message_count"));
          test.completeNow();
        })));
  }

  @Test
  @DisplayName("The database goes away: every address answers 503 promptly, and serves again when it is back")
  void databaseAway(Vertx vertx, VertxTestContext test) throws SQLException {
    DatabaseUrl db = DatabaseUrl.parse(config.getJsonObject("pg").getString("url"));
    try (Connection admin = DriverManager.getConnection(DatabaseUrl.parse(TestServices.pgServerUrl()).jdbcUrl(),
        db.user(), db.password())) {
      admin.createStatement().execute("ALTER DATABASE " + db.database() + " ALLOW_CONNECTIONS false");
      admin.createStatement().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
          + db.database() + "'");
    }
    long started = System.nanoTime();
    request(vertx, Addresses.CONVERSATIONS_LIST, new JsonObject())
        .transform(ar -> Future.succeededFuture(ar.cause()))
        .compose(listFailure -> request(vertx, Addresses.CONVERSATIONS_CREATE, new JsonObject())
            .transform(ar -> {
              test.verify(() -> {
                assertEquals(503, ((ReplyException) listFailure).failureCode(), listFailure.getMessage());
                assertEquals(503, ((ReplyException) ar.cause()).failureCode(), ar.cause().getMessage());
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) < 8_000, "answered promptly");
              });
              return vertx.eventBus().request(InternalAddresses.STORE_HEALTH, null,
                  new DeliveryOptions().setSendTimeout(10_000)).transform(health -> Future.succeededFuture(health.cause()));
            }))
        .compose(healthFailure -> {
          test.verify(() -> assertEquals(503, ((ReplyException) healthFailure).failureCode()));
          return vertx.executeBlocking(() -> {
            try (Connection admin = DriverManager.getConnection(DatabaseUrl.parse(TestServices.pgServerUrl()).jdbcUrl(),
                db.user(), db.password())) {
              admin.createStatement().execute("ALTER DATABASE " + db.database() + " ALLOW_CONNECTIONS true");
            }
            return null;
          });
        })
        .compose(back -> request(vertx, Addresses.CONVERSATIONS_CREATE, new JsonObject()))
        .onComplete(test.succeeding(created -> test.verify(() -> {
          assertEquals("conversation", created.getString("object"));
          test.completeNow();
        })));
  }
}
