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
    return migrate(url, "simple");
  }

  /** @param searchConfig the text search configuration of the search index (search.config) */
  public static MigrateResult migrate(DatabaseUrl url, String searchConfig) {
    return Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations("classpath:db/migration")
        .placeholders(java.util.Map.of("search_config", SearchConfig.checked(searchConfig)))
        .connectRetries(0)
        .load()
        .migrate();
  }
}
