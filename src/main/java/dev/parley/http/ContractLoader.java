package dev.parley.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import org.yaml.snakeyaml.Yaml;

import java.util.Map;

/**
 * Loads openapi.yaml for the router. vertx-openapi 5.0.x refuses media types outside a fixed list,
 * application/problem+json, application/x-ndjson and text/event-stream included (a contract that
 * declares them does not load), so the router's copy declares problems as application/json, NDJSON
 * as application/octet-stream and event streams as text/plain; the published contract
 * (/openapi.yaml) stays exact. Responses are not validated by the router, so nothing else changes.
 */
final class ContractLoader {

  static final String PROBLEM_JSON = "application/problem+json";
  /** NDJSON (export and import) is declared to the router as an octet stream; Parley reads it itself. */
  static final String NDJSON = "application/x-ndjson";
  /** Server-Sent Events, declared on the streaming responses. */
  static final String EVENT_STREAM = "text/event-stream";

  private ContractLoader() {
  }

  static Future<OpenAPIContract> load(Vertx vertx, Buffer contractText) {
    @SuppressWarnings("unchecked")
    JsonObject contract = new JsonObject((Map<String, Object>) new Yaml().load(contractText.toString())).copy();
    rewriteProblemMediaType(contract);
    return OpenAPIContract.from(vertx, contract);
  }

  private static void rewriteProblemMediaType(Object node) {
    if (node instanceof JsonObject object) {
      Object problem = object.remove(PROBLEM_JSON);
      if (problem != null) {
        object.put("application/json", problem);
      }
      Object ndjson = object.remove(NDJSON);
      if (ndjson != null) {
        object.put("application/octet-stream", ndjson);
      }
      Object events = object.remove(EVENT_STREAM);
      if (events != null) {
        object.put("text/plain", events);
      }
      for (String key : object.fieldNames()) {
        rewriteProblemMediaType(object.getValue(key));
      }
    } else if (node instanceof JsonArray array) {
      for (Object item : array) {
        rewriteProblemMediaType(item);
      }
    }
  }
}
