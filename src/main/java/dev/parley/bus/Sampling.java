package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * How the model samples its answer, passed on to the provider: temperature (0 to 2), top_p (0 to
 * 1) and stop (a string or up to 4 strings). Absent members are the model's defaults.
 */
public record Sampling(Double temperature, Double topP, JsonArray stop) {

  /** The members of {@code body} that set sampling; 400 naming the member when one is out of range. */
  public static Sampling from(JsonObject body) {
    return new Sampling(number(body, "temperature", 0, 2), number(body, "top_p", 0, 1), stop(body.getValue("stop")));
  }

  private static Double number(JsonObject body, String field, double min, double max) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max) {
      throw Problem.invalid("/" + field, field + " must be a number from " + (int) min + " to " + (int) max);
    }
    return n.doubleValue();
  }

  private static JsonArray stop(Object value) {
    if (value == null) {
      return null;
    }
    JsonArray stop = value instanceof String s ? new JsonArray().add(s) : value instanceof JsonArray a ? a : null;
    if (stop == null || stop.isEmpty() || stop.size() > 4) {
      throw Problem.invalid("/stop", "stop must be a string or an array of 1 to 4 strings");
    }
    for (int i = 0; i < stop.size(); i++) {
      if (!(stop.getValue(i) instanceof String s) || s.isEmpty() || s.length() > 256) {
        throw Problem.invalid("/stop/" + i, "each stop sequence is a string of 1 to 256 characters");
      }
    }
    return stop;
  }

  /** {temperature?, top_p?, stop?}: what the LLM call carries; empty for the defaults. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (temperature != null) {
      json.put("temperature", temperature);
    }
    if (topP != null) {
      json.put("top_p", topP);
    }
    if (stop != null) {
      json.put("stop", stop);
    }
    return json;
  }
}
