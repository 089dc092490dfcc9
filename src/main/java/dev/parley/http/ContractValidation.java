package dev.parley.http;

import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Validates requests against openapi.yaml with schema validators built once per parameter and body
 * at start-up. (The 5.0.x router builds a new validator for every parameter of every request,
 * which cost more CPU than everything else a history read does; its validation is switched off.)
 * Failures are 400 problems with JSON pointers, 415 for a body that is not JSON.
 */
final class ContractValidation {

  static final String INPUT = "parley.input";

  /** A validated request: path parameters, typed query and header parameters, and the JSON body. */
  record Input(JsonObject path, JsonObject query, JsonObject headers, JsonObject body) {
  }

  /** {@code quick}: accepts values the schema certainly allows without the validator (null: always validate). */
  private record Param(String name, Location in, boolean required, String type, Object defaultValue, Validator validator,
                       Predicate<Object> quick) {

    /** Null when the value is valid; else the validator's verdict (validated once). */
    OutputUnit violation(Object value) {
      if (quick != null && quick.test(value)) {
        return null;
      }
      OutputUnit result = validator.validate(value);
      return Boolean.TRUE.equals(result.getValid()) ? null : result;
    }
  }

  private final List<Param> params = new ArrayList<>();
  private final Validator body;
  private final boolean bodyRequired;

  private ContractValidation(OpenAPIContract contract, Operation operation) {
    SchemaRepository schemas = contract.getSchemaRepository();
    for (Parameter p : operation.getParameters()) {
      JsonSchema schema = p.getSchema();
      params.add(new Param(p.getName(), p.getIn(), p.isRequired(), schema.get("type"), schema.get("default"),
          schemas.validator(schema), SimpleSchema.quickAccept(schema)));
    }
    MediaType json = operation.getRequestBody() == null ? null : operation.getRequestBody().getContent().get("application/json");
    body = json == null ? null : schemas.validator(json.getSchema());
    bodyRequired = operation.getRequestBody() != null && operation.getRequestBody().isRequired();
  }

  /** The validating handler of one operation. */
  static Handler<RoutingContext> of(OpenAPIContract contract, String operationId) {
    ContractValidation rules = new ContractValidation(contract, contract.operation(operationId));
    return rules::validate;
  }

  static Input input(RoutingContext rc) {
    return rc.get(INPUT);
  }

  private void validate(RoutingContext rc) {
    try {
      JsonObject path = new JsonObject();
      JsonObject query = new JsonObject();
      JsonObject headers = new JsonObject();
      for (Param p : params) {
        String raw = switch (p.in()) {
          case PATH -> rc.pathParam(p.name());
          case QUERY -> rc.queryParams().get(p.name());
          case HEADER -> rc.request().getHeader(p.name());
          default -> null;
        };
        Object value = raw == null ? p.defaultValue() : convert(p, raw);
        if (value == null) {
          if (p.required()) {
            throw invalidParameter(p.name(), "is required");
          }
          continue;
        }
        OutputUnit violation = p.violation(value);
        if (violation != null) {
          throw invalidParameter(p.name(), firstError(violation));
        }
        if (p.in() == Location.PATH) {
          path.put(p.name(), value);
        } else if (p.in() == Location.QUERY) {
          query.put(p.name(), value);
        } else if (p.in() == Location.HEADER) {
          headers.put(p.name(), value);
        }
      }
      rc.put(INPUT, new Input(path, query, headers, body(rc)));
      rc.next();
    } catch (Problem problem) {
      rc.fail(problem);
    }
  }

  private JsonObject body(RoutingContext rc) {
    if (body == null) {
      return new JsonObject();
    }
    Buffer bytes = rc.body().buffer();
    if (bytes == null || bytes.length() == 0) {
      if (bodyRequired) {
        throw Problem.invalid("", "A JSON request body is required");
      }
      return new JsonObject();
    }
    String type = rc.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      throw Problems.unsupportedMediaType();
    }
    Object json = StrictJson.parse(bytes);
    OutputUnit result = body.validate(json);
    if (!Boolean.TRUE.equals(result.getValid())) {
      throw bodyViolation(result);
    }
    return (JsonObject) json;
  }

  private static Object convert(Param p, String raw) {
    try {
      return switch (p.type() == null ? "string" : p.type()) {
        case "integer" -> Long.parseLong(raw.trim());
        case "number" -> Double.parseDouble(raw.trim());
        case "boolean" -> switch (raw.trim()) {
          case "true" -> true;
          case "false" -> false;
          default -> throw new NumberFormatException();
        };
        default -> raw;
      };
    } catch (NumberFormatException e) {
      throw invalidParameter(p.name(), "must be " + ("boolean".equals(p.type()) ? "true or false" : "a number"));
    }
  }

  private static Problem invalidParameter(String name, String why) {
    String detail = "Parameter " + name + " " + why;
    return new Problem(ProblemType.VALIDATION, detail,
        new JsonArray().add(new JsonObject().put("parameter", name).put("pointer", "/" + name).put("detail", detail)), null);
  }

  private static String firstError(OutputUnit result) {
    List<OutputUnit> leaves = new ArrayList<>();
    collect(result, leaves);
    return leaves.isEmpty() ? "does not match the contract" : "does not match the contract: " + leaves.get(0).getError();
  }

  private static Problem bodyViolation(OutputUnit result) {
    List<OutputUnit> leaves = new ArrayList<>();
    collect(result, leaves);
    JsonArray errors = new JsonArray();
    for (OutputUnit leaf : deepest(leaves)) {
      errors.add(new JsonObject().put("pointer", pointer(leaf)).put("detail", leaf.getError()));
    }
    return new Problem(ProblemType.VALIDATION, "The request body does not match the API contract",
        errors.isEmpty() ? null : errors, null);
  }

  private static void collect(OutputUnit unit, List<OutputUnit> leaves) {
    if (unit.getErrors() != null && !unit.getErrors().isEmpty()) {
      for (OutputUnit child : unit.getErrors()) {
        collect(child, leaves);
      }
    } else if (unit.getError() != null) {
      leaves.add(unit);
    }
  }

  /** Keeps the errors at the deepest locations; the ones above them only repeat "a child failed". */
  private static List<OutputUnit> deepest(List<OutputUnit> leaves) {
    List<OutputUnit> kept = new ArrayList<>();
    for (OutputUnit unit : leaves) {
      String at = pointer(unit);
      if (leaves.stream().noneMatch(other -> pointer(other).startsWith(at + "/"))) {
        kept.add(unit);
      }
    }
    return kept;
  }

  /** The validator reports "#/a/b"; RFC 6901 pointers are "/a/b". */
  private static String pointer(OutputUnit unit) {
    String location = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation();
    return location.startsWith("#") ? location.substring(1) : location;
  }
}
