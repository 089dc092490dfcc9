package dev.parley.store;

import dev.parley.db.Pools;
import dev.parley.bus.InputRules;
import dev.parley.bus.NewMessage;
import dev.parley.bus.Addresses;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.cache.HistoryCache;
import dev.parley.cache.RedisGate;
import dev.parley.config.Limits;
import dev.parley.model.TokenCounter;
import dev.parley.ops.Audit;
import dev.parley.ops.NodeState;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Serves the parley.conversations.*, parley.messages.* and parley.users.erase addresses from
 * PostgreSQL. Every request carries the user in the {@code user} header and every query is
 * scoped by it. Configured with the whole Parley configuration (pg.url already resolved).
 */
public final class StoreVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);
  private static final long PURGE_EVERY_MS = 10 * 60 * 1000L;

  private Pool pool;
  private RedisGate redis;
  private HistoryCache cache;
  private CacheFence fence;
  private ParleyMetrics metrics;
  private InputRules rules;
  private MessageTokens tokens;
  private MessageStore messages;
  private ConversationStore conversations;
  private IdempotentWrites idempotent;

  @FunctionalInterface
  private interface Operation {
    Future<Reply> apply(String owner, JsonObject body, MultiMap headers);
  }

  @Override
  public Future<?> start() {
    JsonObject config = config();
    int connections = Math.max(2, config.getJsonObject("pg").getInteger("pool_size") / Math.max(1, instances()));
    pool = Pools.create(vertx, config, connections, "store-" + Integer.toHexString(System.identityHashCode(this)));
    rules = new InputRules(Limits.from(config.getJsonObject("limits")));
    tokens = new MessageTokens(vertx, TokenCounter.create(config.getJsonObject("tokens").getString("encoding")));
    redis = RedisGate.create(vertx, config);
    JsonObject redisConfig = config.getJsonObject("redis");
    metrics = ParleyMetrics.of(vertx, config);
    if (redis != null) {
      fence = new CacheFence(vertx, pool, redisConfig.getLong("cache_lease_ms"), redisConfig.getLong("cache_suspend_ms"));
      cache = new HistoryCache(redis, fence, redisConfig.getInteger("cache_ttl_seconds"), metrics);
    }
    CachedReads cachedReads = cache == null ? null
        : new CachedReads(cache, pool, redisConfig.getInteger("cache_window_messages"));
    messages = new MessageStore(pool, cachedReads);
    conversations = new ConversationStore(pool, messages, cachedReads);
    JsonObject idem = config.getJsonObject("idempotency");
    idempotent = new IdempotentWrites(pool, idem.getInteger("lease_seconds"), idem.getInteger("retention_hours"));

    serve(Addresses.CONVERSATIONS_CREATE, this::createConversation);
    serve(Addresses.CONVERSATIONS_LIST, (owner, body, headers) -> conversations.list(owner, body));
    serve(Addresses.CONVERSATIONS_GET, (owner, body, headers) -> conversations.get(owner, body));
    serve(Addresses.CONVERSATIONS_UPDATE, (owner, body, headers) -> conversations.update(owner, body, rules)
        .compose(reply -> invalidated(owner, body.getValue("id"), reply)));
    serve(Addresses.CONVERSATIONS_DELETE, (owner, body, headers) -> conversations.delete(owner, body)
        .compose(reply -> invalidated(owner, body.getValue("id"), reply)));
    serve(Addresses.MESSAGES_APPEND, this::appendMessages);
    serve(Addresses.TURN_APPEND, this::appendForTurn);
    serve(Addresses.MESSAGES_LIST, (owner, body, headers) -> messages.list(owner, body));
    serve(Addresses.USERS_ERASE, (owner, body, headers) -> conversations.erase(owner)
        .compose(reply -> cache == null ? Future.succeededFuture(reply) : cache.eraseUser(owner).map(reply)));
    ContextReader context = new ContextReader(pool);
    serve(Addresses.MESSAGES_CONTEXT, (owner, body, headers) -> context.read(owner, body));
    serve(Addresses.CONVERSATIONS_SUMMARY, (owner, body, headers) -> conversations.updateSummary(owner, body)
        .compose(reply -> invalidated(owner, body.getValue("id"), reply)));
    serve(Addresses.IDEMPOTENCY_CLAIM, (owner, body, headers) -> idempotent.claimLeased(owner, requiredKey(headers),
            headers.get(BusHeaders.REQUEST_HASH), body.getString("operation", ""), attempt(body.getValue("attempt")))
        .map(claim -> claim instanceof IdempotentWrites.Claim.Replay replay ? replay.reply()
            : Reply.ok(new JsonObject().put("claimed", true).put("progress", ((IdempotentWrites.Claim.Held) claim).progress()))));
    serve(Addresses.IDEMPOTENCY_COMPLETE, (owner, body, headers) -> idempotent.complete(pool, owner, requiredKey(headers),
            attempt(body.getValue("attempt")), new Reply(body.getInteger("status"), body.getJsonObject("response"), false))
        .map(Reply.noContent()));
    serve(Addresses.IDEMPOTENCY_RELEASE, (owner, body, headers) -> idempotent.release(owner, requiredKey(headers),
            attempt(body.getValue("attempt")))
        .map(Reply.noContent()));
    vertx.eventBus().<Object>consumer(Addresses.IDEMPOTENCY_RENEW, msg -> {
      List<UUID> attempts = new ArrayList<>();
      try {
        ((JsonObject) msg.body()).getJsonArray("attempts").forEach(a -> attempts.add(attempt(a)));
      } catch (RuntimeException malformed) {
        Problem.badRequest("The body must be {attempts: [uuid, ...]}").failOn(msg);
        return;
      }
      idempotent.renew(attempts).onComplete(ar -> msg.reply(null));
    });
    vertx.eventBus().consumer(Addresses.STORE_HEALTH, msg -> pool.preparedQuery(SqlQueries.ping()).execute()
        .onSuccess(rows -> msg.reply(new JsonObject().put("database", "UP")))
        .onFailure(e -> msg.fail(503, "database unreachable")));
    vertx.setPeriodic(PURGE_EVERY_MS, id -> idempotent.purgeExpired()
        .onFailure(e -> LOG.warn("Purging expired idempotency keys failed: {}", e.getClass().getSimpleName())));
    // Prove the database answers before the verticle counts as started.
    return pool.preparedQuery(SqlQueries.ping()).execute(Tuple.tuple())
        .compose(ok -> fence == null ? Future.succeededFuture() : fence.start());
  }

  @Override
  public Future<?> stop() {
    if (redis != null) {
      fence.stop();
      redis.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private int instances() {
    return config().getJsonObject("store", new JsonObject()).getInteger("instances", 1);
  }

  private Future<Reply> createConversation(String owner, JsonObject body, MultiMap headers) {
    String title = rules.title(body);
    JsonObject metadata = rules.metadata(body.getValue("metadata"), "/metadata");
    List<NewMessage> first = rules.messages(body.getValue("messages"), "/messages", 0);
    return tokens.count(first).compose(counted -> idempotent.run(owner, headers.get(BusHeaders.IDEMPOTENCY_KEY),
        headers.get(BusHeaders.REQUEST_HASH), Addresses.CONVERSATIONS_CREATE,
        tx -> conversations.create(tx, owner, title, metadata, counted)));
  }

  private Future<Reply> appendMessages(String owner, JsonObject body, MultiMap headers) {
    var conversationId = Ids.conversation(body.getValue("conversation_id"));
    List<NewMessage> batch = rules.messages(body.getValue("messages"), "/messages", 1);
    return tokens.count(batch).compose(counted -> idempotent.run(owner, headers.get(BusHeaders.IDEMPOTENCY_KEY),
        headers.get(BusHeaders.REQUEST_HASH), Addresses.MESSAGES_APPEND + ":" + conversationId,
        tx -> messages.append(tx, owner, conversationId, counted)
            .map(appended -> Reply.created(listOf(appended)))))
        .compose(reply -> invalidated(owner, conversationId, reply));
  }

  /**
   * A chat turn's own append, under the attempt that holds the turn's idempotency key, in one
   * transaction with the key's bookkeeping: the user message records the turn's progress (a retry
   * that takes over resumes from it); the answer completes the key with the turn's response
   * ({@code turn_response} with the stored answer as its message). Answers are stored whole: the
   * model's output is bounded by max_tokens, not by the input limit on what clients send.
   */
  private Future<Reply> appendForTurn(String owner, JsonObject body, MultiMap headers) {
    UUID conversationId = Ids.conversation(body.getValue("conversation_id"));
    String key = headers.get(BusHeaders.IDEMPOTENCY_KEY);
    UUID attempt = key == null ? null : attempt(headers.get(BusHeaders.TURN_ATTEMPT));
    List<NewMessage> batch = rules.answerMessages(body.getValue("messages"), "/messages");
    JsonObject turnResponse = body.getJsonObject("turn_response");
    return tokens.count(batch).compose(counted -> pool.withTransaction(tx -> messages.append(tx, owner, conversationId, counted)
        .compose(appended -> {
          JsonObject first = appended.getJsonArray("messages").getJsonObject(0);
          Future<?> bookkeeping = key == null ? Future.succeededFuture() : turnResponse == null
              ? idempotent.progress(tx, owner, key, attempt, new JsonObject()
                  .put("conversation_id", conversationId.toString()).put("user_message", first))
              : idempotent.complete(tx, owner, key, attempt, Reply.ok(turnResponse.copy().put("message", first)));
          return bookkeeping.map(done -> Reply.created(listOf(appended)));
        })))
        .compose(reply -> invalidated(owner, conversationId, reply));
  }

  private static UUID attempt(Object value) {
    try {
      return UUID.fromString(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw Problem.badRequest("The turn attempt must be a UUID");
    }
  }

  /**
   * Retires the conversation's cache entries after a committed write, before the write is
   * acknowledged, so no later read can miss it. A replay does it again: the first attempt may
   * have died between its commit and its invalidation.
   */
  private Future<Reply> invalidated(String owner, Object conversationId, Reply reply) {
    if (cache == null) {
      return Future.succeededFuture(reply);
    }
    return cache.invalidate(owner, conversationId instanceof java.util.UUID id ? id : Ids.conversation(conversationId))
        .map(reply);
  }

  private static String requiredKey(MultiMap headers) {
    String key = headers.get(BusHeaders.IDEMPOTENCY_KEY);
    if (key == null || key.isEmpty()) {
      throw Problem.badRequest("The idempotency-key header is required");
    }
    return key;
  }

  private static JsonObject listOf(JsonObject appended) {
    var data = appended.getJsonArray("messages");
    return new JsonObject().put("object", "list").put("data", data)
        .put("first_id", data.getJsonObject(0).getString("id"))
        .put("last_id", data.getJsonObject(data.size() - 1).getString("id"))
        .put("has_more", false);
  }

  private void serve(String address, Operation operation) {
    vertx.eventBus().<Object>consumer(address, msg -> {
      Future<Reply> result;
      try {
        String owner = msg.headers().get(BusHeaders.USER);
        if (owner == null || owner.isBlank()) {
          throw Problem.badRequest("The user header is required");
        }
        Object body = msg.body();
        if (body != null && !(body instanceof JsonObject)) {
          throw Problem.badRequest("The request body must be a JSON object");
        }
        JsonObject json = body == null ? new JsonObject() : (JsonObject) body;
        InputRules.checkText(json, "");
        result = operation.apply(owner, json, msg.headers());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      JsonObject request = msg.body() instanceof JsonObject json ? json : new JsonObject();
      result.onSuccess(reply -> {
        observe(address, msg.headers(), request, reply);
        reply.sendTo(msg);
      }).onFailure(failure -> fail(msg, address, failure));
    });
  }

  /** Metrics and the audit trail of a successful operation. */
  private void observe(String address, MultiMap headers, JsonObject request, Reply reply) {
    NodeState.degraded(vertx, NodeState.Backend.POSTGRES, false);
    if (reply.replayed()) {
      metrics.idempotentReplay();
      return;
    }
    String user = headers.get(BusHeaders.USER);
    String requestId = headers.get(BusHeaders.REQUEST_ID);
    switch (address) {
      case Addresses.CONVERSATIONS_CREATE -> {
        metrics.conversationCreated();
        metrics.messagesAppended(reply.body().getInteger("message_count"));
        Audit.record("create", user, reply.body().getString("id"), requestId);
      }
      case Addresses.MESSAGES_APPEND, Addresses.TURN_APPEND -> {
        metrics.messagesAppended(reply.body().getJsonArray("data").size());
        Audit.record("change", user, request.getString("conversation_id"), requestId);
      }
      case Addresses.CONVERSATIONS_GET -> Audit.record("read", user, request.getString("id"), requestId);
      case Addresses.MESSAGES_LIST -> Audit.record("read", user, request.getString("conversation_id"), requestId);
      case Addresses.CONVERSATIONS_UPDATE -> Audit.record("change", user, request.getString("id"), requestId);
      case Addresses.CONVERSATIONS_DELETE -> Audit.record("delete", user, request.getString("id"), requestId);
      case Addresses.USERS_ERASE -> Audit.record("erase", user, null, requestId);
      default -> {
        // reads for context assembly and bookkeeping addresses are not audited one by one
      }
    }
  }

  private void fail(Message<?> msg, String address, Throwable failure) {
    Problem problem = SqlFailures.toProblem(failure);
    if (problem == null) {
      // Class and SQL state only: database messages can quote the values that were sent.
      LOG.error("Unexpected failure on {} (request {}): {} {}", address, msg.headers().get(BusHeaders.REQUEST_ID),
          failure.getClass().getName(), failure instanceof io.vertx.pgclient.PgException pg ? pg.getSqlState() : "");
      LOG.debug("Unexpected failure", failure);
      problem = Problem.internal();
    }
    if (problem.status() == 503) {
      NodeState.degraded(vertx, NodeState.Backend.POSTGRES, true);
    }
    problem.failOn(msg);
  }
}
