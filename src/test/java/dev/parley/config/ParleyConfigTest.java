package dev.parley.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParleyConfigTest {

  @Test
  @DisplayName("Defaults come from conf/parley.yaml")
  void defaults() {
    ParleyConfig config = ParleyConfig.load(Map.of());
    assertEquals(8080, config.integer("http.port"));
    assertEquals("./data", config.string("data_dir"));
    assertFalse(config.isSet("pg.url"));
    assertEquals(1_048_576, config.integer("limits.body_bytes"));
    assertEquals(20, config.integer("limits.messages_per_request"));
  }

  @Test
  @DisplayName("PARLEY_* variables override their keys, typed like the defaults")
  void environmentOverrides() {
    ParleyConfig config = ParleyConfig.load(Map.of(
        "PARLEY_HTTP_PORT", "9090",
        "PARLEY_PG_URL", "postgresql://u:p@db:5433/parley",
        "PARLEY_JWT_HS256_SECRET", "s3cret",
        "PARLEY_LIMITS_METADATA_KEYS", "4",
        "UNRELATED", "x"));
    assertEquals(9090, config.integer("http.port"));
    assertEquals("postgresql://u:p@db:5433/parley", config.string("pg.url"));
    assertEquals("s3cret", config.string("jwt.hs256_secret"));
    assertEquals(4, Limits.from(config.json().getJsonObject("limits")).metadataKeys());
  }

  @Test
  @DisplayName("The fixed operator variable names all map to keys")
  void fixedNames() {
    Map<String, String> names = ParleyConfig.variableNames();
    for (String name : new String[] {"PARLEY_HTTP_PORT", "PARLEY_DATA_DIR", "PARLEY_PG_URL", "PARLEY_REDIS_URL",
        "PARLEY_JWT_HS256_SECRET", "PARLEY_JWT_PUBLIC_KEY_FILE", "PARLEY_JWT_ISSUER", "PARLEY_JWT_AUDIENCE"}) {
      assertTrue(names.containsKey(name), name);
    }
  }

  @Test
  @DisplayName("A number variable that is not a number fails start-up with its name")
  void badNumber() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ParleyConfig.load(Map.of("PARLEY_HTTP_PORT", "eighty")));
    assertTrue(e.getMessage().contains("PARLEY_HTTP_PORT"));
  }
}
