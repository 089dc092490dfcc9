package dev.parley.store;

import dev.parley.archive.ObjectStore;
import dev.parley.bus.Addresses;
import dev.parley.bus.BusEndpoint;
import dev.parley.bus.BusHeaders;
import dev.parley.bus.InternalAddresses;
import dev.parley.bus.Reply;
import dev.parley.db.Pools;
import dev.parley.ops.ParleyMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The maintenance job: on a schedule (and on parley.internal.maintenance.run), on exactly one node
 * of a cluster at a time — the node that holds a PostgreSQL advisory lock for the run, on a
 * connection of its own, so a node that dies lets go of it — it purges, in bounded batches:
 * conversations and messages soft-deleted more than {@code retention.deleted_days} ago, and the
 * anonymous principals nobody claimed whose last activity is older than
 * {@code anonymous.retention_days} (erased as a user is erased, cache entries included). What it
 * did goes to the metrics and one log line per run (counts only). One instance per node.
 */
public final class MaintenanceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceVerticle.class);
  /** The advisory lock key of a maintenance run ("parley m" in ASCII). */
  static final long LOCK = 0x7061726c6579206dL;

  private Pool pool;
  private ObjectStore objects;
  private ColdArchive cold;
  private int archiveAfterDays;
  private ParleyMetrics metrics;
  private int deletedDays;
  private int anonymousDays;
  private int batchSize;
  private int maxBatches;
  private boolean running;

  @Override
  public Future<?> start() {
    JsonObject config = config();
    JsonObject maintenance = config.getJsonObject("maintenance");
    deletedDays = config.getJsonObject("retention").getInteger("deleted_days");
    anonymousDays = config.getJsonObject("anonymous").getInteger("retention_days");
    batchSize = maintenance.getInteger("batch_size");
    maxBatches = maintenance.getInteger("max_batches");
    metrics = ParleyMetrics.of(vertx, config);
    pool = Pools.create(vertx, config, 3, "maintenance");
    objects = ObjectStore.create(vertx, config);
    cold = new ColdArchive(vertx, pool, objects, metrics);
    archiveAfterDays = config.getJsonObject("archive").getInteger("after_days");
    BusEndpoint.of(vertx, config, SqlFailures::toProblem, BusEndpoint.Observer.NONE)
        .serve(InternalAddresses.MAINTENANCE_RUN, BusEndpoint.Caller.SERVICE, r -> run().map(Reply::ok));
    long every = maintenance.getLong("every_ms");
    if (every > 0) {
      vertx.setTimer(Math.max(1, maintenance.getLong("first_run_ms")), first -> {
        scheduled();
        vertx.setPeriodic(every, id -> scheduled());
      });
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    objects.close();
    return pool.close();
  }

  private void scheduled() {
    run().onFailure(e -> LOG.warn("The maintenance run failed: {}", e.getClass().getSimpleName()));
  }

  /**
   * One run: {ran: false} when another run (on any node) holds the lock; else what was purged,
   * {ran: true, conversations, messages, anonymous_users, archived}.
   */
  Future<JsonObject> run() {
    if (running) {
      return Future.succeededFuture(new JsonObject().put("ran", false));
    }
    running = true;
    return pool.withConnection(connection -> connection.query("SELECT pg_try_advisory_lock(" + LOCK + ") AS held")
        .execute().compose(rows -> {
          if (!rows.iterator().next().getBoolean("held")) {
            metrics.maintenanceRun("skipped");
            return Future.succeededFuture(new JsonObject().put("ran", false));
          }
          return purge(connection).eventually(() -> connection.query("SELECT pg_advisory_unlock(" + LOCK + ")").execute());
        }))
        .andThen(ar -> {
          running = false;
          if (ar.failed()) {
            metrics.maintenanceRun("failed");
          }
        });
  }

  private Future<JsonObject> purge(SqlConnection connection) {
    JsonObject done = new JsonObject().put("ran", true);
    // Purged conversations take their archived objects with them.
    return batches(connection, SqlQueries.purgeDeletedConversations(), deletedDays, rows -> cold.forget(ColdArchive.keys(rows)),
        0, 0)
        .compose(n -> {
          done.put("conversations", n);
          metrics.maintenancePurged("conversations", n);
          return batches(connection, SqlQueries.purgeDeletedMessages(), deletedDays, rows -> { }, 0, 0);
        })
        .compose(n -> {
          done.put("messages", n);
          metrics.maintenancePurged("messages", n);
          return anonymous(connection, 0, 0);
        })
        .compose(n -> {
          done.put("anonymous_users", n);
          metrics.maintenancePurged("anonymous_users", n);
          return archiveAfterDays > 0 ? archive(connection, 0, 0) : Future.succeededFuture(0);
        })
        .map(n -> {
          done.put("archived", n);
          metrics.maintenanceRun("ran");
          LOG.atInfo().addKeyValue("conversations", done.getInteger("conversations"))
              .addKeyValue("messages", done.getInteger("messages"))
              .addKeyValue("anonymous_users", done.getInteger("anonymous_users")).addKeyValue("archived", n)
              .log("Maintenance run: purged what was deleted or abandoned long enough ago, archived what was untouched");
          return done;
        });
  }

  /**
   * Moves conversations untouched for archive.after_days to cold storage, one at a time, a batch of
   * candidates per statement; the conversations moved.
   */
  private Future<Integer> archive(SqlConnection connection, int done, int total) {
    if (done >= maxBatches) {
      return Future.succeededFuture(total);
    }
    return connection.preparedQuery(SqlQueries.archiveCandidates()).execute(Tuple.of(archiveAfterDays, batchSize))
        .compose(rows -> {
          List<java.util.UUID> ids = new ArrayList<>(rows.size());
          for (Row row : rows) {
            ids.add(row.getUUID("id"));
          }
          int[] moved = {0};
          Future<Void> all = Future.succeededFuture();
          for (java.util.UUID id : ids) {
            all = all.compose(v -> cold.archive(id, archiveAfterDays)).compose(owner -> {
              if (owner == null) {
                return Future.succeededFuture();
              }
              moved[0]++;
              // Its cached conversation now shows it archived.
              return vertx.eventBus().request(InternalAddresses.CONVERSATIONS_INVALIDATE, new JsonObject().put("id", id.toString()),
                  new DeliveryOptions().addHeader(BusHeaders.USER, owner).setLocalOnly(true)).mapEmpty();
            });
          }
          // A candidate that changed meanwhile is left hot; the batch ends the run when none moved.
          return all.compose(v -> ids.size() < batchSize || moved[0] == 0 ? Future.succeededFuture(total + moved[0])
              : archive(connection, done + 1, total + moved[0]));
        });
  }

  /** Runs a purge statement batch by batch until a batch is short or maxBatches ran; the rows purged. */
  private Future<Integer> batches(SqlConnection connection, String sql, int days,
                                  Consumer<RowSet<Row>> purged, int done, int total) {
    if (done >= maxBatches) {
      return Future.succeededFuture(total);
    }
    return connection.preparedQuery(sql).execute(Tuple.of(days, batchSize)).compose(rows -> {
      int n = rows.rowCount();
      purged.accept(rows);
      return n < batchSize ? Future.succeededFuture(total + n)
          : batches(connection, sql, days, purged, done + 1, total + n);
    });
  }

  /** Erases abandoned anonymous principals, a batch at a time, each as parley.users.erase would. */
  private Future<Integer> anonymous(SqlConnection connection, int done, int total) {
    if (done >= maxBatches) {
      return Future.succeededFuture(total);
    }
    return connection.preparedQuery(SqlQueries.abandonedAnonymousUsers()).execute(Tuple.of(anonymousDays, batchSize))
        .compose(rows -> {
          List<String> users = new ArrayList<>(rows.size());
          for (Row row : rows) {
            users.add(row.getString("owner"));
          }
          Future<Void> erased = Future.succeededFuture();
          for (String user : users) {
            erased = erased.compose(v -> vertx.eventBus().request(Addresses.USERS_ERASE, new JsonObject(),
                new DeliveryOptions().addHeader(BusHeaders.USER, user).setLocalOnly(true).setSendTimeout(60_000)).mapEmpty());
          }
          return erased.compose(v -> users.size() < batchSize ? Future.succeededFuture(total + users.size())
              : anonymous(connection, done + 1, total + users.size()));
        });
  }
}
