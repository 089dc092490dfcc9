package dev.parley.store;

import dev.parley.bus.Addresses;
import dev.parley.bus.BusEndpoint;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Reply;
import dev.parley.db.Pools;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Writes one llm_calls row per provider call attempt, sent fire-and-forget on
 * parley.llm.calls.record. Holds no prompt text and no keys: the payload has none.
 */
public final class CallLogVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CallLogVerticle.class);

  private Pool pool;

  @Override
  public Future<?> start() {
    pool = Pools.create(vertx, config(), 2, "call-log");
    BusEndpoint.of(vertx, config(), SqlFailures::toProblem, BusEndpoint.Observer.NONE)
        .serve(InternalAddresses.LLM_CALLS_RECORD, BusEndpoint.Caller.SERVICE, r -> record(r.body()));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }

  /** Sent without a reply address: the answer, if any, goes nowhere; a failure is logged once here. */
  private Future<Reply> record(JsonObject call) {
    String conversation = call.getString("conversation_id");
    Tuple row = Tuple.from(new Object[] {call.getString("request_id"),
        conversation == null ? null : UUID.fromString(conversation), call.getString("owner"),
        call.getString("provider"), call.getString("model"), call.getString("status"), call.getInteger("http_status"),
        call.getInteger("attempt"), call.getInteger("latency_ms"), call.getInteger("prompt_tokens"),
        call.getInteger("completion_tokens"), call.getString("error_class")});
    return pool.preparedQuery(SqlQueries.insertLlmCall()).execute(row)
        .onFailure(e -> LOG.warn("Could not record an LLM call: {}", e.getClass().getSimpleName()))
        .map(Reply.noContent());
  }
}
