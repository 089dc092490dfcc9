package dev.parley.db;

import dev.parley.db.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** PostgreSQL pools from the configuration (pg.url resolved), prepared-statement cache on. */
public final class Pools {

  private Pools() {
  }

  /** A pool of {@code connections} connections, bound to the calling verticle's context; {@code name} labels its metrics. */
  public static Pool create(Vertx vertx, JsonObject config, int connections, String name) {
    DatabaseUrl url = DatabaseUrl.parse(config.getJsonObject("pg").getString("url"));
    return PgBuilder.pool()
        .with(new PoolOptions().setName(name).setMaxSize(Math.max(1, connections)).setMaxWaitQueueSize(4096)
            .setConnectionTimeout(10).setIdleTimeout(300).setPoolCleanerPeriod(60_000))
        .connectingTo(url.connectOptions())
        .using(vertx)
        .build();
  }
}
