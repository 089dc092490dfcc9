package dev.parley.store;

import dev.parley.archive.ObjectStore;
import dev.parley.auth.AnonymousTokens;
import dev.parley.bus.Addresses;
import dev.parley.bus.BusEndpoint;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InputRules;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.NewMessage;
import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import dev.parley.bus.Reply;
import dev.parley.bus.Requests;
import dev.parley.cache.HistoryCache;
import dev.parley.cache.RedisGate;
import dev.parley.config.Limits;
import dev.parley.db.Pools;
import dev.parley.model.TokenCounter;
import dev.parley.ops.Audit;
import dev.parley.ops.NodeState;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Serves the parley.conversations.*, parley.messages.* and parley.users.erase addresses from
 * PostgreSQL. Every request carries the user in the {@code user} header and every query is
 * scoped by it. Configured with the whole Parley configuration (pg.url already resolved).
 */
public final class StoreVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);
  private static final long PURGE_EVERY_MS = 10 * 60 * 1000L;

  private Pool pool;
  /** The Redis cache and what keeps it coherent; empty without Redis. */
  private Optional<Caching> caching = Optional.empty();
  private ObjectStore objects;
  private ColdArchive cold;
  private ParleyMetrics metrics;
  private InputRules rules;
  private MessageTokens tokens;
  private MessageStore messages;
  private Branches branches;
  private ConversationStore conversations;
  private IdempotentWrites idempotent;
  private AppendBatcher appends;
  private ConversationFeed feed;
  private BusEndpoint endpoint;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    int connections = Math.max(2, config.getJsonObject("pg").getInteger("pool_size") / Math.max(1, instances()));
    pool = Pools.create(vertx, config, connections, "store-" + Integer.toHexString(System.identityHashCode(this)));
    rules = new InputRules(Limits.from(config.getJsonObject("limits")));
    tokens = new MessageTokens(vertx, TokenCounter.create(config.getJsonObject("tokens").getString("encoding")));
    JsonObject redisConfig = config.getJsonObject("redis");
    metrics = ParleyMetrics.of(vertx, config);
    caching = RedisGate.create(vertx, config).map(gate -> {
      CacheFence fence = new CacheFence(vertx, pool, redisConfig.getLong("cache_lease_ms"),
          redisConfig.getLong("cache_suspend_ms"));
      HistoryCache history = new HistoryCache(gate, fence, redisConfig.getInteger("cache_ttl_seconds"), metrics);
      NearPages near = NearPages.of(vertx, redisConfig.getLong("near_cache_mb", 0L), redisConfig.getLong("near_cache_ttl_ms", 0L));
      return new Caching(gate, fence, history, near,
          new CachedReads(history, near, pool, redisConfig.getInteger("cache_recent_messages")));
    });
    Optional<CachedReads> cachedReads = caching.map(Caching::reads);
    objects = ObjectStore.create(vertx, config);
    cold = new ColdArchive(vertx, pool, objects, metrics);
    branches = new Branches(pool);
    messages = new MessageStore(pool, cachedReads, branches);
    conversations = new ConversationStore(pool, messages, cachedReads);
    JsonObject idem = config.getJsonObject("idempotency");
    idempotent = new IdempotentWrites(pool, idem.getInteger("lease_seconds"), idem.getInteger("retention_hours"));
    JsonObject store = config.getJsonObject("store", new JsonObject());
    appends = new AppendBatcher(pool, messages, idempotent, store.getInteger("append_batch_max", 64),
        store.getInteger("append_batches_in_flight", 1), metrics);

    JsonObject chat = config.getJsonObject("chat");
    feed = new ConversationFeed(vertx, pool, chat.getLong("sse_keepalive_ms"), chat.getLong("stream_stall_ms"));

    endpoint = BusEndpoint.of(vertx, config, SqlFailures::toProblem, new BusEndpoint.Observer() {
      @Override
      public void succeeded(BusEndpoint.Request request, Reply reply) {
        NodeState.degraded(vertx, NodeState.Backend.POSTGRES, false);
        if (reply.replayed()) {
          metrics.idempotentReplay();
        }
      }

      @Override
      public void failed(BusEndpoint.Request request, Problem problem) {
        if (problem.status() == 503) {
          NodeState.degraded(vertx, NodeState.Backend.POSTGRES, true);
        }
      }
    });
    // Public: the operations of the HTTP API.
    user(Addresses.CONVERSATIONS_CREATE, this::createConversation);
    user(Addresses.CONVERSATIONS_LIST, r -> conversations.list(r.user(), Requests.ListConversations.fromJson(r.body())));
    user(Addresses.CONVERSATIONS_GET, r -> {
      UUID id = Requests.ConversationId.fromJson(r.body()).id();
      return conversations.get(r.user(), id).andThen(audit(r, "read", id));
    });
    user(Addresses.CONVERSATIONS_UPDATE, r -> {
      Requests.UpdateConversation change = Requests.UpdateConversation.fromJson(r.body(), rules);
      Future<?> branch = change.currentBranch() == null ? Future.succeededFuture()
          : warm(r.user(), change.id(), () -> branches.select(r.user(), change.id(), change.currentBranch()));
      return branch.compose(v -> conversations.update(r.user(), change))
          .compose(reply -> invalidated(r.user(), change.id(), reply))
          .andThen(audit(r, "change", change.id()))
          .onSuccess(reply -> feed.changed(reply.body()));
    });
    user(Addresses.CONVERSATIONS_DELETE, r -> {
      UUID id = Requests.ConversationId.fromJson(r.body()).id();
      return conversations.delete(r.user(), id).compose(reply -> invalidated(r.user(), id, reply))
          .andThen(audit(r, "delete", id))
          .onSuccess(reply -> feed.deleted(id));
    });
    user(Addresses.BRANCHES_LIST, r -> {
      UUID id = Requests.ConversationId.fromJson(r.body()).id();
      return branches.list(r.user(), id).andThen(audit(r, "read", id));
    });
    user(Addresses.BRANCHES_CREATE, r -> {
      Requests.MessageRef at = Requests.MessageRef.fromJson(r.body());
      return warm(r.user(), at.conversationId(), () -> branches.branchAfter(r.user(), at.conversationId(), at.messageId()))
          .compose(made -> invalidated(r.user(), at.conversationId(),
              made.getBoolean("created") ? Reply.created(made) : Reply.ok(made)))
          .andThen(audit(r, "branch", at.conversationId()))
          .onSuccess(reply -> feed.changed(reply.body().getJsonObject("conversation")));
    });
    user(Addresses.CONVERSATIONS_FORK, r -> {
      Requests.MessageRef at = Requests.MessageRef.fromJson(r.body());
      return warm(r.user(), at.conversationId(), () -> branches.fork(r.user(), at.conversationId(), at.messageId()))
          .map(Reply::created)
          .andThen(ar -> {
            if (ar.succeeded()) {
              metrics.conversationCreated();
              Audit.record("fork", r.user(), ar.result().body().getString("id"), r.requestId());
            }
          });
    });
    user(Addresses.CONVERSATIONS_FOLLOW, r -> feed.follow(r.user(), Requests.FollowConversation.fromJson(r.body()),
        r.header(BusHeaders.STREAM_ADDRESS)));
    user(Addresses.MESSAGES_APPEND, r -> {
      Requests.AppendMessages append = Requests.AppendMessages.fromJson(r.body(), rules);
      return warm(r.user(), append.conversationId(), () -> appendMessages(r, append));
    });
    user(Addresses.MESSAGES_LIST, r -> {
      Requests.ListMessages query = Requests.ListMessages.fromJson(r.body());
      return warm(r.user(), query.conversationId(), () -> messages.list(r.user(), query))
          .andThen(audit(r, "read", query.conversationId()));
    });
    user(Addresses.MESSAGES_GET, r -> {
      Requests.MessageRef ref = Requests.MessageRef.fromJson(r.body());
      return warm(r.user(), ref.conversationId(), () -> messages.get(r.user(), ref))
          .andThen(audit(r, "read", ref.conversationId()));
    });
    user(Addresses.MESSAGES_UPDATE, r -> {
      Requests.UpdateMessage change = Requests.UpdateMessage.fromJson(r.body(), rules);
      return warm(r.user(), change.conversationId(), () -> messages.updateMetadata(r.user(), change))
          .compose(reply -> invalidated(r.user(), change.conversationId(), reply))
          .andThen(audit(r, "change", change.conversationId()));
    });
    user(Addresses.MESSAGES_DELETE, r -> {
      Requests.MessageRef ref = Requests.MessageRef.fromJson(r.body());
      return warm(r.user(), ref.conversationId(), () -> messages.delete(r.user(), ref))
          .compose(conversation -> invalidated(r.user(), ref.conversationId(), Reply.noContent())
              .onSuccess(v -> {
                metrics.messageDeleted();
                feed.changed(conversation);
              }))
          .andThen(audit(r, "delete_message", ref.conversationId()));
    });
    user(Addresses.USERS_ERASE, r -> {
      Requests.EraseUser.fromJson(r.body());
      return conversations.erase(r.user())
          .compose(erased -> retired(r.user()).map(erased))
          .map(erased -> {
            erased.ids().forEach(feed::deleted);
            cold.forget(erased.coldKeys());
            return Reply.noContent();
          })
          .andThen(audit(r, "erase", null));
    });
    SearchStore search = new SearchStore(pool, config.getJsonObject("search").getString("config"));
    user(Addresses.SEARCH, r -> search.search(r.user(), Requests.Search.fromJson(r.body())).andThen(audit(r, "search", null)));
    UserImport imports = new UserImport(pool, tokens);
    int importRecords = config.getJsonObject("limits").getInteger("import_records");
    // Checking every line of a large import would hold the event loop: it runs on a worker.
    user(Addresses.USERS_IMPORT, r -> vertx.executeBlocking(() -> Requests.ImportRecords.fromJson(r.body(), rules,
            importRecords), false)
        .compose(records -> imports.run(r.user(), records))
        .andThen(audit(r, "import", null)));
    AnonymousClaims claims = new AnonymousClaims(pool, AnonymousTokens.of(vertx, config));
    user(Addresses.USERS_CLAIM, r -> {
      Requests.ClaimAnonymous claim = Requests.ClaimAnonymous.fromJson(r.body());
      return claims.claim(r.user(), claim.anonymousToken())
          .compose(claimed -> retired(claimed.anonymousUser()).map(claimed))
          .map(claimed -> {
            claimed.moved().forEach(feed::deleted);
            metrics.anonymousClaimed();
            Audit.record("claim", r.user(), null, r.requestId());
            return claimed.reply();
          });
    });
    // Internal: chat turns' plumbing.
    user(InternalAddresses.TURN_APPEND, this::appendForTurn);
    user(InternalAddresses.CONVERSATIONS_INVALIDATE, r -> {
      UUID id = Ids.member(r.body().getValue("id"), "id");
      return invalidated(r.user(), id, Reply.noContent());
    });
    user(InternalAddresses.TURN_ANSWER, r -> turnAnswer(r.user(), Ids.member(r.body().getValue("turn_id"), "turn_id")));
    ContextReader context = new ContextReader(pool);
    user(InternalAddresses.MESSAGES_CONTEXT, r -> warm(r.user(), Ids.conversation(r.body().getValue("conversation_id")),
        () -> context.read(r.user(), r.body())));
    user(InternalAddresses.CONVERSATIONS_SUMMARY, r -> {
      UUID id = Ids.member(r.body().getValue("id"), "id");
      return conversations.updateSummary(r.user(), id, r.body().getString("summary"), r.body().getLong("upto_seq"))
          .compose(reply -> invalidated(r.user(), id, reply));
    });
    user(InternalAddresses.IDEMPOTENCY_CLAIM, r -> idempotent.claimLeased(r.user(), requiredKey(r),
            r.header(BusHeaders.REQUEST_HASH), r.body().getString("operation", ""), Ids.member(r.body().getValue("attempt"), "attempt"))
        .map(claim -> claim instanceof IdempotentWrites.Claim.Replay replay ? replay.reply()
            : Reply.ok(new JsonObject().put("claimed", true).put("progress", ((IdempotentWrites.Claim.Held) claim).progress()))));
    user(InternalAddresses.IDEMPOTENCY_COMPLETE, r -> idempotent.complete(pool, r.user(), requiredKey(r),
            Ids.member(r.body().getValue("attempt"), "attempt"),
            new Reply(r.body().getInteger("status"), r.body().getJsonObject("response"), false))
        .map(Reply.noContent()));
    user(InternalAddresses.IDEMPOTENCY_RELEASE, r -> idempotent.release(r.user(), requiredKey(r),
            Ids.member(r.body().getValue("attempt"), "attempt"))
        .map(Reply.noContent()));
    endpoint.serve(InternalAddresses.IDEMPOTENCY_RENEW, BusEndpoint.Caller.SERVICE, r -> {
      List<UUID> attempts = new ArrayList<>();
      if (!(r.body().getValue("attempts") instanceof JsonArray list)) {
        throw Problem.badRequest("The body must be {attempts: [uuid, ...]}");
      }
      list.forEach(a -> attempts.add(Ids.member(a, "attempts")));
      return idempotent.renew(attempts).map(Reply.noContent());
    });
    endpoint.serve(InternalAddresses.STORE_HEALTH, BusEndpoint.Caller.SERVICE, r -> pool.preparedQuery(SqlQueries.ping())
        .execute().map(rows -> Reply.ok(new JsonObject().put("database", "UP"))));
    vertx.setPeriodic(PURGE_EVERY_MS, id -> idempotent.purgeExpired()
        .onFailure(e -> LOG.warn("Purging expired idempotency keys failed: {}", e.getClass().getSimpleName())));
    // Prove the database answers before the verticle counts as started.
    return pool.preparedQuery(SqlQueries.ping()).execute(Tuple.tuple())
        .compose(ok -> caching.map(c -> c.fence().start()).orElse(Future.succeededFuture()));
  }

  @Override
  public Future<?> stop() {
    if (feed != null) {
      feed.stop();
    }
    caching.ifPresent(c -> {
      c.fence().stop();
      c.gate().close();
    });
    if (objects != null) {
      objects.close();
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  private record Caching(RedisGate gate, CacheFence fence, HistoryCache history, NearPages near, CachedReads reads) {
  }

  private int instances() {
    return config().getJsonObject("store", new JsonObject()).getInteger("instances", 1);
  }

  private void user(String address, BusEndpoint.Operation operation) {
    endpoint.serve(address, BusEndpoint.Caller.USER, operation);
  }

  /** Records a successful operation in the audit trail (ids only). */
  private static Handler<AsyncResult<Reply>> audit(BusEndpoint.Request request, String action,
                                                                              UUID conversationId) {
    return ar -> {
      if (ar.succeeded()) {
        Audit.record(action, request.user(), conversationId == null ? null : conversationId.toString(),
            request.requestId());
      }
    };
  }

  private Future<Reply> createConversation(BusEndpoint.Request r) {
    Requests.CreateConversation create = Requests.CreateConversation.fromJson(r.body(), rules);
    return tokens.count(create.messages()).compose(counted -> idempotent.run(r.user(), r.header(BusHeaders.IDEMPOTENCY_KEY),
        r.header(BusHeaders.REQUEST_HASH), Addresses.CONVERSATIONS_CREATE,
        tx -> conversations.create(tx, r.user(), create.title(), create.metadata(), counted)))
        .andThen(ar -> {
          if (ar.succeeded() && !ar.result().replayed()) {
            metrics.conversationCreated();
            metrics.messagesAppended(ar.result().body().getInteger("message_count"));
            Audit.record("create", r.user(), ar.result().body().getString("id"), r.requestId());
          }
        });
  }

  /** Retires every cache entry of {@code user} (erasure, or an anonymous principal claimed). */
  private Future<Void> retired(String user) {
    return caching.map(c -> c.history().eraseUser(user).andThen(v -> c.near().removeUser(user)).<Void>mapEmpty())
        .orElse(Future.succeededFuture());
  }

  /**
   * Runs an operation on a conversation; when it meets the conversation in cold storage (or finds
   * nothing, which is what a cold conversation's missing messages look like to a write), the
   * conversation is restored if it is a cold one of the user's, and the operation runs again.
   */
  private <T> Future<T> warm(String owner, UUID conversationId, Supplier<Future<T>> operation) {
    return operation.get().recover(failure -> {
      boolean maybeCold = failure instanceof ColdConversation
          || failure instanceof Problem p && p.type() == ProblemType.NOT_FOUND;
      if (!maybeCold) {
        return Future.failedFuture(failure);
      }
      return cold.restore(owner, conversationId).compose(restored -> restored ? operation.get()
          : Future.failedFuture(failure instanceof ColdConversation ? Problem.notFound("The conversation") : failure));
    });
  }

  /** Appends go through the group commit ({@link AppendBatcher}). */
  private Future<Reply> appendMessages(BusEndpoint.Request r, Requests.AppendMessages append) {
    UUID conversationId = append.conversationId();
    Committed committed = new Committed();
    return tokens.count(append.messages()).compose(counted -> appends.append(r.user(), conversationId, counted,
            r.header(BusHeaders.IDEMPOTENCY_KEY), r.header(BusHeaders.REQUEST_HASH)))
        .map(appended -> {
          committed.hold(appended.written());
          return appended.reply();
        })
        .compose(reply -> invalidated(r.user(), conversationId, reply))
        .andThen(appended(r, conversationId, committed));
  }

  /** What a transaction appended, kept for the events published once it has committed. */
  private static final class Committed {
    private JsonObject appended;

    JsonObject hold(JsonObject appended) {
      this.appended = appended;
      return appended;
    }
  }

  /** Metrics, audit and live events of an append that was not a replay. */
  private Handler<AsyncResult<Reply>> appended(BusEndpoint.Request r, UUID conversationId, Committed committed) {
    return ar -> {
      if (ar.succeeded() && !ar.result().replayed()) {
        metrics.messagesAppended(ar.result().body().getJsonArray("data").size());
        Audit.record("change", r.user(), conversationId.toString(), r.requestId());
        if (committed.appended != null) {
          feed.appended(committed.appended.getJsonObject("conversation"), committed.appended.getJsonArray("messages"));
        }
      }
    };
  }

  /**
   * A chat turn's own append, under the attempt that holds the turn's idempotency key, in one
   * transaction with the key's bookkeeping. A turn commits once, after the model answered: its user
   * message and the answer together ({@code messages} holds both, the user message first, counted
   * already), creating the conversation first when the turn starts one ({@code new_conversation}
   * with the id the turn chose), and completing the key with the turn's response
   * ({@code turn_response}, to which the stored messages are added); or, when the model failed, the
   * user message alone with the failure as the key's answer ({@code turn_failure}). A streamed turn
   * stores its user message first (its first event announces it to every follower), recording the
   * turn's progress so a retry that takes over resumes from it, and its answer later. Answers are
   * stored whole: the model's output is bounded by max_tokens, not by the input limit on what
   * clients send.
   */
  private Future<Reply> appendForTurn(BusEndpoint.Request r) {
    UUID conversationId = Ids.member(r.body().getValue("conversation_id"), "conversation_id");
    boolean create = r.body().getBoolean("new_conversation", false);
    return create ? appendForTurn(r, conversationId, true)
        : warm(r.user(), conversationId, () -> appendForTurn(r, conversationId, false));
  }

  private Future<Reply> appendForTurn(BusEndpoint.Request r, UUID conversationId, boolean create) {
    String owner = r.user();
    String key = r.header(BusHeaders.IDEMPOTENCY_KEY);
    UUID attempt = key == null ? null : Ids.member(r.header(BusHeaders.TURN_ATTEMPT), "turn-attempt");
    List<NewMessage> batch = rules.answerMessages(r.body().getValue("messages"), "/messages");
    // A regenerate's answer is stored under its turn's id (the turn has no input message of its own).
    UUID answerId = r.body().getValue("answer_id") == null ? null : Ids.member(r.body().getValue("answer_id"), "answer_id");
    JsonObject turnResponse = r.body().getJsonObject("turn_response");
    JsonObject turnFailure = r.body().getJsonObject("turn_failure");
    Committed committed = new Committed();
    return tokens.count(batch).compose(counted -> pool.withTransaction(tx -> (create
            ? conversations.insert(tx, conversationId, owner, null, new JsonObject()).mapEmpty()
            : Future.succeededFuture())
        .compose(v -> ToolResults.checkPending(tx, conversationId, create, counted))
        .compose(v -> messages.append(tx, owner, conversationId, counted, answerId))
        .map(committed::hold)
        .compose(appended -> {
          JsonArray stored = appended.getJsonArray("messages");
          // The turn's input (tool results, then the user's message) comes first; its last is the turn's user_message.
          JsonObject last = stored.getJsonObject(stored.size() - 1);
          Future<?> bookkeeping;
          if (key == null) {
            bookkeeping = Future.succeededFuture();
          } else if (turnResponse != null) {
            JsonObject response = turnResponse.copy().put("message", last);
            if (stored.size() > 1) {
              response.put("user_message", stored.getJsonObject(stored.size() - 2));
            }
            bookkeeping = idempotent.complete(tx, owner, key, attempt, Reply.ok(response));
          } else if (turnFailure != null) {
            bookkeeping = idempotent.complete(tx, owner, key, attempt, new Reply(turnFailure.getInteger("status"),
                turnFailure.getJsonObject("response"), false));
          } else {
            bookkeeping = idempotent.progress(tx, owner, key, attempt, new JsonObject()
                .put("conversation_id", conversationId.toString()).put("user_message", last));
          }
          return bookkeeping.map(done -> Reply.created(MessageStore.listOf(appended)));
        })))
        .compose(reply -> invalidated(owner, conversationId, reply))
        .andThen(ar -> {
          if (create && ar.succeeded()) {
            metrics.conversationCreated();
            Audit.record("create", owner, conversationId.toString(), r.requestId());
          }
        })
        .andThen(appended(r, conversationId, committed));
  }

  /**
   * Retires the conversation's cache entries after a committed write, before the write is
   * acknowledged, so no later read can miss it. A replay does it again: the first attempt may
   * have died between its commit and its invalidation.
   */
  private Future<Reply> invalidated(String owner, UUID conversationId, Reply reply) {
    return caching.map(c -> c.history().invalidate(owner, conversationId).map(reply))
        .orElse(Future.succeededFuture(reply));
  }

  /**
   * A turn's user message and the answer stored after it, if any; 404 if not the owner's. The turn
   * id is its user message's id, or for a regenerate its answer's id (the answer's user message is
   * then the message its branch starts after).
   */
  private Future<Reply> turnAnswer(String owner, UUID turn) {
    return pool.preparedQuery(SqlQueries.ownedMessage()).execute(Tuple.of(turn, owner)).compose(found -> {
      if (found.size() == 0) {
        return Future.failedFuture(Problem.notFound("The turn"));
      }
      JsonObject message = Rows.message(found.iterator().next());
      UUID conversation = UUID.fromString(message.getString("conversation_id"));
      if ("assistant".equals(message.getString("role"))) {
        return pool.preparedQuery(SqlQueries.branchStart()).execute(Tuple.of(conversation, message.getInteger("branch")))
            .map(starts -> Reply.ok(new JsonObject().put("conversation_id", conversation.toString())
                .put("user_message", starts.size() == 0 ? null : Rows.message(starts.iterator().next()))
                .put("message", message)));
      }
      return pool.preparedQuery(SqlQueries.answerAfter()).execute(Tuple.of(conversation, message.getLong("seq")))
          .map(answers -> Reply.ok(new JsonObject().put("conversation_id", conversation.toString()).put("user_message", message)
              .put("message", answers.size() == 0 ? null : Rows.message(answers.iterator().next()))));
    });
  }

  private static String requiredKey(BusEndpoint.Request r) {
    String key = r.header(BusHeaders.IDEMPOTENCY_KEY);
    if (key == null || key.isEmpty()) {
      throw Problem.badRequest("The idempotency-key header is required");
    }
    return key;
  }

}
