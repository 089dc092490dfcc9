package dev.parley.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
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

  @Test
  @DisplayName("Unknown variables and file keys are reported with the closest known name, and ignored")
  void unknownNamesAreReported() throws java.io.IOException {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("parley", ".yaml");
    java.nio.file.Files.writeString(file, "http:\n  prot: 8081\nmodels:\n  - name: m\n    provider: openai\n");
    ParleyConfig config = ParleyConfig.load(Map.of("PARLEY_HTTP_PROT", "9",
        "PARLEY_CONFIG_FILE", file.toString(), "PARLEY_REDIS_CACHE_WINDOW_MESSAGES", "10"));
    java.util.List<String> warnings = config.warnings();
    assertEquals(3, warnings.size(), warnings.toString());
    assertTrue(warnings.contains("Unknown variable PARLEY_HTTP_PROT is ignored; did you mean PARLEY_HTTP_PORT?"), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.startsWith("Unknown configuration key http.prot in ")
        && w.endsWith("did you mean http.port?")), warnings.toString());
    assertTrue(warnings.stream().anyMatch(w -> w.contains("PARLEY_REDIS_CACHE_WINDOW_MESSAGES")
        && w.endsWith("did you mean PARLEY_REDIS_CACHE_RECENT_MESSAGES?")), warnings.toString());
    assertEquals(8080, config.integer("http.port"));
    assertEquals(List.of(), ParleyConfig.load(Map.of("PARLEY_HTTP_PORT", "9")).warnings());
  }
}
