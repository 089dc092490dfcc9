package dev.parley.store;

import dev.parley.bus.BusEndpoint;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Reply;
import dev.parley.db.Pools;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes one llm_calls row per provider call attempt, sent fire-and-forget on
 * parley.internal.llm.calls.record, off every turn's path. Rows are written in batches: one
 * pipelined insert (one implicit transaction, one commit) for all the rows that arrived while the
 * previous batch was being written. A batch the database refuses is written again row by row, so
 * one bad row costs only itself. Stopping the verticle (a clean shutdown) writes what is pending
 * before the pool closes. Holds no prompt text and no keys: the payload has none.
 */
public final class CallLogVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CallLogVerticle.class);
  private static final int MAX_BATCH = 500;

  private Pool pool;
  private final List<Tuple> pending = new ArrayList<>();
  private Future<Void> writing = Future.succeededFuture();
  private boolean busy;

  @Override
  public Future<?> start() {
    pool = Pools.create(vertx, config(), 2, "call-log");
    BusEndpoint.of(vertx, config(), SqlFailures::toProblem, BusEndpoint.Observer.NONE)
        .serve(InternalAddresses.LLM_CALLS_RECORD, BusEndpoint.Caller.SERVICE, r -> record(r.body()));
    return Future.succeededFuture();
  }

  /** Writes every pending row, then closes the pool. */
  @Override
  public Future<?> stop() {
    return drained().eventually(() -> pool.close());
  }

  private Future<Void> drained() {
    write();
    return busy ? writing.transform(ar -> drained()) : Future.succeededFuture();
  }

  /** Sent without a reply address: the answer, if any, goes nowhere; failures are logged here. */
  private Future<Reply> record(JsonObject call) {
    String conversation = call.getString("conversation_id");
    pending.add(Tuple.from(new Object[] {call.getString("request_id"),
        conversation == null ? null : UUID.fromString(conversation), call.getString("owner"),
        call.getString("provider"), call.getString("model"), call.getString("status"), call.getInteger("http_status"),
        call.getInteger("attempt"), call.getInteger("latency_ms"), call.getInteger("prompt_tokens"),
        call.getInteger("completion_tokens"), call.getString("error_class")}));
    write();
    return Future.succeededFuture(Reply.noContent());
  }

  /** Starts the next batch unless one is being written (it starts the next when it returns). */
  private void write() {
    if (busy || pending.isEmpty()) {
      return;
    }
    busy = true;
    List<Tuple> batch = new ArrayList<>(pending.subList(0, Math.min(MAX_BATCH, pending.size())));
    pending.subList(0, batch.size()).clear();
    Promise<Void> done = Promise.promise();
    writing = done.future();
    pool.preparedQuery(SqlQueries.insertLlmCall()).executeBatch(batch)
        .<Void>mapEmpty()
        .recover(e -> batch.size() == 1 ? failed(1, e) : oneByOne(batch))
        .onComplete(ar -> {
          busy = false;
          write(); // the next batch is under way (and is what a drain waits for) before this one reports
          done.complete();
        });
  }

  private Future<Void> oneByOne(List<Tuple> batch) {
    Future<Void> chain = Future.succeededFuture();
    for (Tuple row : batch) {
      chain = chain.compose(v -> pool.preparedQuery(SqlQueries.insertLlmCall()).execute(row).<Void>mapEmpty()
          .recover(e -> failed(1, e)));
    }
    return chain;
  }

  private static Future<Void> failed(int rows, Throwable e) {
    LOG.warn("Could not record {} LLM call(s): {}", rows, e.getClass().getSimpleName());
    return Future.succeededFuture();
  }
}
