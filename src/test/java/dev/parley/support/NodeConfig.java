package dev.parley.support;

import dev.parley.config.ParleyConfig;
import dev.parley.db.DatabaseUrl;
import dev.parley.db.Migrations;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/** The configuration one verticle is deployed with in a verticle test: Parley's defaults plus {@code env}. */
public final class NodeConfig {

  private NodeConfig() {
  }

  /** Defaults and {@code env}, without a database. */
  public static JsonObject of(Map<String, String> env) {
    Map<String, String> all = new HashMap<>();
    all.put("PARLEY_PG_URL", "postgresql://postgres@127.0.0.1:1/none");
    all.put("PARLEY_PG_POOL_SIZE", "4");
    all.putAll(env);
    return ParleyConfig.load(all).json();
  }

  /** Defaults and {@code env} on a fresh, migrated database. */
  public static JsonObject withDatabase(Map<String, String> env) {
    String url = TestServices.freshDatabase();
    Migrations.migrate(DatabaseUrl.parse(url));
    Map<String, String> all = new HashMap<>(env);
    all.put("PARLEY_PG_URL", url);
    return of(all);
  }
}
