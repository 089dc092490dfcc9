package dev.parley.db;

import dev.parley.db.DatabaseUrl;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the Flyway migrations under db/migration. Blocking: run it off the event loop. It does
 * not wait for an unreachable database: the caller retries, with the node already answering.
 */
public final class Migrations {

  private Migrations() {
  }

  public static MigrateResult migrate(DatabaseUrl url) {
    return Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migration")
        .connectRetries(0)
        .load()
        .migrate();
  }
}
