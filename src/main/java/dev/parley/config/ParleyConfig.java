package dev.parley.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parley's configuration: conf/parley.yaml from the classpath, then an optional file named by
 * PARLEY_CONFIG_FILE, then one environment variable per key (PARLEY_ + the dotted path upper-cased
 * with "_" for "."). Only keys that exist in the defaults can be set: an unknown PARLEY_* variable
 * or file key is reported ({@link #warnings()}, logged at start-up) with the closest known name,
 * instead of silently ignored.
 */
public final class ParleyConfig {

  public static final String ENV_PREFIX = "PARLEY_";
  private static final String DEFAULTS = "conf/parley.yaml";

  private final JsonObject json;
  private final List<String> warnings;

  private ParleyConfig(JsonObject json, List<String> warnings) {
    this.json = json;
    this.warnings = List.copyOf(warnings);
  }

  /** Loads defaults and applies every PARLEY_* entry of {@code env} (usually System.getenv()). */
  public static ParleyConfig load(Map<String, String> env) {
    JsonObject json = readYamlResource(DEFAULTS);
    List<String> warnings = new ArrayList<>();
    Map<String, String> known = new LinkedHashMap<>();
    collectNames(json, "", known);
    String file = env.get(ENV_PREFIX + "CONFIG_FILE");
    if (file != null && !file.isBlank()) {
      JsonObject fromFile = readYamlFile(Path.of(file));
      Map<String, String> inFile = new LinkedHashMap<>();
      collectNames(fromFile, "", inFile);
      for (String path : inFile.values()) {
        if (!known.containsValue(path) && !underKnownArray(path, known)) {
          warnings.add("Unknown configuration key " + path + " in " + file + closest(path, known.values()));
        }
      }
      merge(json, fromFile);
    }
    for (String name : env.keySet()) {
      if (name.startsWith(ENV_PREFIX) && !known.containsKey(name) && !name.equals(ENV_PREFIX + "CONFIG_FILE")) {
        warnings.add("Unknown variable " + name + " is ignored" + closest(name, known.keySet()));
      }
    }
    applyEnv(json, env);
    return new ParleyConfig(json, warnings);
  }

  /** What was wrong with the configuration's names: unknown variables and file keys, each with a suggestion. */
  public List<String> warnings() {
    return warnings;
  }

  /** A key below one whose default is a list of objects (models[].name): not a key of its own. */
  private static boolean underKnownArray(String path, Map<String, String> known) {
    return known.containsValue(path.contains(".") ? path.substring(0, path.indexOf('.')) : path);
  }

  /** "; did you mean X?" for the known name nearest to {@code name} by edit distance. */
  private static String closest(String name, java.util.Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int d = distance(name, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean " + best + "?";
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** Every environment variable name Parley reads, derived from the defaults. */
  public static Map<String, String> variableNames() {
    Map<String, String> names = new LinkedHashMap<>();
    collectNames(readYamlResource(DEFAULTS), "", names);
    names.put(ENV_PREFIX + "CONFIG_FILE", "");
    return names;
  }

  public JsonObject json() {
    return json.copy();
  }

  public String string(String path) {
    Object value = value(path);
    return value == null ? "" : value.toString();
  }

  public int integer(String path) {
    Object value = value(path);
    if (value instanceof Number n) {
      return n.intValue();
    }
    return Integer.parseInt(string(path).trim());
  }

  public boolean bool(String path) {
    Object value = value(path);
    return value instanceof Boolean b ? b : Boolean.parseBoolean(string(path).trim());
  }

  public boolean isSet(String path) {
    return !string(path).isBlank();
  }

  /** Returns a copy with one dotted key replaced, for callers that resolve defaults at start-up. */
  public ParleyConfig with(String path, Object value) {
    JsonObject copy = json.copy();
    String[] parts = path.split("\\.");
    JsonObject node = copy;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
    return new ParleyConfig(copy, warnings);
  }

  private Object value(String path) {
    String[] parts = path.split("\\.");
    JsonObject node = json;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
      if (node == null) {
        throw new IllegalArgumentException("Unknown configuration key " + path);
      }
    }
    if (!node.containsKey(parts[parts.length - 1])) {
      throw new IllegalArgumentException("Unknown configuration key " + path);
    }
    return node.getValue(parts[parts.length - 1]);
  }

  private static void applyEnv(JsonObject json, Map<String, String> env) {
    Map<String, String> known = new LinkedHashMap<>();
    collectNames(json, "", known);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String path = known.get(e.getKey());
      if (path != null) {
        setFromString(json, path, e.getValue());
      }
    }
  }

  private static void collectNames(JsonObject node, String prefix, Map<String, String> out) {
    for (String key : node.fieldNames()) {
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      Object value = node.getValue(key);
      if (value instanceof JsonObject child) {
        collectNames(child, path, out);
      } else {
        out.put(ENV_PREFIX + path.replace('.', '_').toUpperCase(Locale.ROOT), path);
      }
    }
  }

  private static void setFromString(JsonObject json, String path, String raw) {
    String[] parts = path.split("\\.");
    JsonObject node = json;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    String key = parts[parts.length - 1];
    Object current = node.getValue(key);
    try {
      if (current instanceof Integer || current instanceof Long) {
        node.put(key, Long.parseLong(raw.trim()));
      } else if (current instanceof Boolean) {
        node.put(key, Boolean.parseBoolean(raw.trim()));
      } else if (current instanceof JsonArray) {
        node.put(key, new JsonArray(raw));
      } else {
        node.put(key, raw);
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          ENV_PREFIX + path.replace('.', '_').toUpperCase(Locale.ROOT) + " must be a whole number");
    } catch (DecodeException e) {
      throw new IllegalArgumentException(
          ENV_PREFIX + path.replace('.', '_').toUpperCase(Locale.ROOT) + " must be a JSON array");
    }
  }

  private static void merge(JsonObject target, JsonObject source) {
    for (String key : source.fieldNames()) {
      Object value = source.getValue(key);
      if (value instanceof JsonObject child && target.getValue(key) instanceof JsonObject existing) {
        merge(existing, child);
      } else {
        target.put(key, value);
      }
    }
  }

  private static JsonObject readYamlResource(String resource) {
    try (InputStream in = ParleyConfig.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Missing " + resource + " on the classpath");
      }
      return toJson(new Yaml().load(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject readYamlFile(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return toJson(new Yaml().load(in));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read configuration file " + file, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static JsonObject toJson(Object yaml) {
    return yaml == null ? new JsonObject() : new JsonObject((Map<String, Object>) yaml).copy();
  }
}
