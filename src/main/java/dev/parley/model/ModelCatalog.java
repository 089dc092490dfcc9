package dev.parley.model;

import dev.parley.bus.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The models of the configuration, and the default one. A name is either a configured model or
 * {@code provider/upstream-model}, which gets the configured defaults for unknown models.
 */
public final class ModelCatalog {

  public static final Set<String> PROVIDERS = Set.of("openai", "anthropic", "placeholder");

  private final Map<String, ModelSpec> models = new LinkedHashMap<>();
  private final int unknownWindow;
  private final int unknownMaxOutput;
  private final String defaultModel;

  public ModelCatalog(JsonObject config) {
    JsonArray list = config.getJsonArray("models", new JsonArray());
    for (int i = 0; i < list.size(); i++) {
      ModelSpec spec = ModelSpec.fromJson(list.getJsonObject(i));
      models.put(spec.name(), spec);
    }
    JsonObject llm = config.getJsonObject("llm");
    unknownWindow = llm.getInteger("unknown_model_context_window");
    unknownMaxOutput = llm.getInteger("unknown_model_max_output_tokens");
    defaultModel = chooseDefault(config);
  }

  private static String chooseDefault(JsonObject config) {
    String configured = config.getString("default_model", "");
    if (!configured.isBlank()) {
      return configured;
    }
    if (!config.getJsonObject("openai").getString("api_key", "").isBlank()) {
      return "openai/" + config.getJsonObject("openai").getString("default_model");
    }
    if (!config.getJsonObject("anthropic").getString("api_key", "").isBlank()) {
      return "anthropic/" + config.getJsonObject("anthropic").getString("default_model");
    }
    return "placeholder";
  }

  public String defaultModel() {
    return defaultModel;
  }

  /** The configured models, and the default model when it is not one of them (it is named provider/model). */
  public java.util.List<ModelSpec> listed() {
    java.util.List<ModelSpec> listed = new java.util.ArrayList<>(models.values());
    if (!models.containsKey(defaultModel)) {
      listed.add(resolve(defaultModel));
    }
    return listed;
  }

  /** The model named {@code name} (null: the default); 400 when there is no such model. */
  public ModelSpec resolve(String name) {
    String wanted = name == null || name.isBlank() ? defaultModel : name;
    ModelSpec known = models.get(wanted);
    if (known != null) {
      return known;
    }
    int slash = wanted.indexOf('/');
    if (slash > 0 && slash < wanted.length() - 1) {
      String provider = wanted.substring(0, slash);
      String upstream = wanted.substring(slash + 1);
      if (PROVIDERS.contains(provider)) {
        for (ModelSpec spec : models.values()) {
          if (spec.provider().equals(provider) && spec.upstream().equals(upstream)) {
            return spec;
          }
        }
        return new ModelSpec(wanted, provider, upstream, unknownWindow, unknownMaxOutput, 0, 0, 0);
      }
    }
    throw Problem.invalid("/model", "Unknown model; use a configured model name or provider/model "
        + "with provider openai or anthropic");
  }
}
