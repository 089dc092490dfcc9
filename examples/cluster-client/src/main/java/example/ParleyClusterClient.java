package example;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A service on the same Vert.x cluster as Parley, using its public event-bus addresses with plain
 * JSON (docs/event-bus.md): create a conversation, follow it live, append with an idempotency key,
 * page through the history, and run a streamed chat turn. Copy what you need.
 *
 * <p>Every request names the user it acts for in the {@code user} header: only trusted services
 * may join Parley's cluster (docs/operations.md, "Cluster").
 */
public final class ParleyClusterClient {

  /** What the walk-through saw, for the caller to print or check. */
  public record Summary(String conversationId, List<String> history, String streamed, String answer,
                        List<Long> followedSeqs) {
  }

  public static void main(String[] args) {
    String user = args.length > 0 ? args[0] : "example-user";
    String members = System.getenv().getOrDefault("PARLEY_CLUSTER_MEMBERS", "127.0.0.1:5701");
    String host = System.getenv().getOrDefault("PARLEY_CLUSTER_INTERFACE", "127.0.0.1");
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(host);
    JoinConfig join = hazelcast.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(Arrays.asList(members.split(",")));
    // The cluster's name must be Parley's (conf/cluster.xml); the event bus listens on the same interface.
    hazelcast.setClusterName(System.getenv().getOrDefault("PARLEY_CLUSTER_NAME", "parley"));
    Vertx.builder().with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost(host)))
        .withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered()
        .compose(vertx -> walkThrough(vertx, user)
            .onSuccess(s -> System.out.println("conversation " + s.conversationId() + "\nhistory " + s.history()
                + "\nstreamed " + s.streamed() + "\nfollowed seqs " + s.followedSeqs()))
            .onFailure(e -> System.err.println("failed: " + e.getMessage()))
            .eventually(vertx::close))
        .onComplete(done -> System.exit(done.succeeded() ? 0 : 1));
  }

  /** Requests on behalf of {@code user}, with a time-out above Parley's own (30 s; turns 300 s). */
  private static DeliveryOptions as(String user, long timeoutMs) {
    return new DeliveryOptions().addHeader("user", user).setSendTimeout(timeoutMs);
  }

  private static Future<JsonObject> request(EventBus bus, String address, JsonObject body, DeliveryOptions options) {
    return bus.<JsonObject>request(address, body, options).map(reply -> reply.body());
  }

  public static Future<Summary> walkThrough(Vertx vertx, String user) {
    EventBus bus = vertx.eventBus();
    return request(bus, "parley.conversations.create", new JsonObject().put("title", "From another service"),
        as(user, 30_000))
        .compose(conversation -> {
          String id = conversation.getString("id");
          List<Long> followed = new ArrayList<>();
          Promise<Void> sawFour = Promise.promise();
          return follow(bus, user, id, followed, sawFour)
              .compose(following -> append(bus, user, id)
                  .compose(v -> history(bus, user, id, null, new ArrayList<>()))
                  .compose(history -> streamedTurn(bus, user, id).compose(turn -> sawFour.future()
                      .map(v -> new Summary(id, history, turn.getString("streamed"),
                          turn.getJsonObject("message").getString("content"), List.copyOf(followed)))))
                  .eventually(following::unregister));
        });
  }

  /**
   * parley.conversations.follow: events arrive on an address of ours; each must be acked. The
   * follow ends when we unregister (or fail an event).
   */
  private static Future<MessageConsumer<JsonObject>> follow(EventBus bus, String user, String id, List<Long> seqs,
                                                             Promise<Void> sawFour) {
    String address = "example.follow." + UUID.randomUUID();
    MessageConsumer<JsonObject> events = bus.consumer(address, event -> {
      if ("message".equals(event.body().getString("type"))) {
        seqs.add(event.body().getJsonObject("message").getLong("seq"));
        if (seqs.size() == 4) {
          sawFour.tryComplete();
        }
      }
      event.reply(null);
    });
    return events.completion()
        .compose(registered -> request(bus, "parley.conversations.follow", new JsonObject().put("conversation_id", id),
            as(user, 30_000).addHeader("stream-address", address)))
        .map(conversation -> events);
  }

  /** Two messages; the idempotency key makes a retry after a time-out safe. */
  private static Future<Void> append(EventBus bus, String user, String id) {
    JsonObject body = new JsonObject().put("conversation_id", id).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "Hello from a service"))
        .add(new JsonObject().put("role", "assistant").put("content", "Hello, service")));
    DeliveryOptions options = as(user, 30_000).addHeader("idempotency-key", UUID.randomUUID().toString())
        .addHeader("request-hash", Integer.toHexString(body.encode().hashCode()));
    return request(bus, "parley.messages.append", body, options).mapEmpty();
  }

  /** The history one message per page, following the cursor. */
  private static Future<List<String>> history(EventBus bus, String user, String id, String after, List<String> into) {
    JsonObject query = new JsonObject().put("conversation_id", id).put("limit", 1);
    if (after != null) {
      query.put("after", after);
    }
    return request(bus, "parley.messages.list", query, as(user, 30_000)).compose(page -> {
      page.getJsonArray("data").forEach(m -> into.add(((JsonObject) m).getString("content")));
      return page.getBoolean("has_more") ? history(bus, user, id, page.getString("last_id"), into)
          : Future.succeededFuture(into);
    });
  }

  /** A chat turn whose deltas stream to an address of ours; the reply is the stored turn. */
  private static Future<JsonObject> streamedTurn(EventBus bus, String user, String id) {
    StringBuilder streamed = new StringBuilder();
    String address = "example.stream." + UUID.randomUUID();
    MessageConsumer<JsonObject> deltas = bus.consumer(address, delta -> {
      if (delta.body().containsKey("delta")) {
        streamed.append(delta.body().getString("delta"));
      }
      delta.reply(null);
    });
    return deltas.completion()
        .compose(registered -> request(bus, "parley.chat.turn",
            new JsonObject().put("conversation_id", id).put("message", "Summarise our chat"),
            as(user, 300_000).addHeader("stream-address", address)))
        .map(turn -> turn.copy().put("streamed", streamed.toString()))
        .eventually(deltas::unregister);
  }
}
