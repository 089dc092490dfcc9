package dev.parley.http;

import dev.parley.bus.Addresses;
import dev.parley.bus.Problem;
import dev.parley.bus.Reply;
import dev.parley.ops.Audit;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A user's data out and in, as NDJSON: GET /v1/users/me/export streams every conversation (archived
 * ones too) and its messages, a page at a time and only as fast as the client reads, so no export
 * is ever held in memory; POST /v1/users/me/import takes the same lines and imports them in one
 * transaction (parley.users.import), idempotently.
 */
final class UserDataRoutes {

  static final String NDJSON = "application/x-ndjson";
  private static final int PAGE = 100;

  private final Vertx vertx;
  private final EventBus bus;
  private final long timeoutMs;

  UserDataRoutes(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.timeoutMs = timeoutMs;
  }

  void export(RoutingContext rc) {
    String user = BusForwarder.user(rc);
    if (user == null) {
      return;
    }
    Audit.record("export", user, null, RequestIds.of(rc));
    new Export(rc, user).start();
  }

  void importData(RoutingContext rc) {
    String user = BusForwarder.user(rc);
    if (user == null) {
      return;
    }
    String type = rc.request().getHeader("Content-Type");
    if (type == null || !(type.toLowerCase().startsWith(NDJSON) || type.toLowerCase().startsWith("application/json"))) {
      Problems.send(rc, Problems.unsupportedMediaType());
      return;
    }
    // An import may be tens of megabytes: its lines are parsed off the event loop.
    Buffer body = rc.body().buffer();
    vertx.executeBlocking(() -> lines(body), false)
        .compose(records -> bus.<Object>request(Addresses.USERS_IMPORT, new JsonObject().put("records", records),
            BusForwarder.options(rc, user, Addresses.USERS_IMPORT, false, timeoutMs)))
        .onSuccess(message -> {
          Reply reply = Reply.from(message);
          rc.response().setStatusCode(reply.status()).putHeader("Content-Type", "application/json")
              .end(reply.body().toBuffer());
        })
        .onFailure(failure -> Problems.send(rc, Problem.fromBus(failure)));
  }

  /** One JSON object per non-blank line; a line that is not one is a 400 naming it. */
  static JsonArray lines(Buffer body) {
    JsonArray records = new JsonArray();
    if (body == null || body.length() == 0) {
      throw Problem.invalid("/records", "the body must hold the NDJSON lines of an export");
    }
    String[] lines = body.toString(StandardCharsets.UTF_8).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      Object value;
      try {
        value = StrictJson.parse(Buffer.buffer(line));
      } catch (Problem | DecodeException e) {
        throw Problem.invalid("/records/" + records.size(), "line " + (i + 1) + ": not a JSON object");
      }
      if (!(value instanceof JsonObject)) {
        throw Problem.invalid("/records/" + records.size(), "line " + (i + 1) + ": not a JSON object");
      }
      records.add(value);
    }
    return records;
  }

  /** One export in progress: conversations page by page (not archived, then archived), each with its messages. */
  private final class Export {
    private final RoutingContext rc;
    private final String user;
    private final HttpServerResponse response;
    private boolean gone;
    private int conversations;
    private long messages;

    Export(RoutingContext rc, String user) {
      this.rc = rc;
      this.user = user;
      this.response = rc.response();
    }

    void start() {
      response.setChunked(true).putHeader("Content-Type", NDJSON).putHeader("Cache-Control", "no-store")
          .putHeader("Content-Disposition", "attachment; filename=\"parley-export.ndjson\"");
      response.closeHandler(v -> gone = true);
      write(new JsonObject().put("type", "export").put("format", "parley.export.v1").put("user_id", user)
          .put("exported_at", Instant.now().toString()));
      conversationPage(false, null);
    }

    private void write(JsonObject line) {
      response.write(line.toBuffer().appendByte((byte) '\n'));
    }

    /** Runs {@code next} once the client has taken what was written (back-pressure), unless it left. */
    private void whenDrained(Runnable next) {
      if (gone) {
        return;
      }
      if (response.writeQueueFull()) {
        response.drainHandler(v -> {
          response.drainHandler(null);
          whenDrained(next);
        });
      } else {
        next.run();
      }
    }

    private Future<JsonObject> request(String address, JsonObject body) {
      return bus.<Object>request(address, body, BusForwarder.options(rc, user, address, false, timeoutMs))
          .map(message -> Reply.from(message).body());
    }

    private void conversationPage(boolean archived, String after) {
      JsonObject query = new JsonObject().put("limit", PAGE).put("archived", archived);
      if (after != null) {
        query.put("after", after);
      }
      request(Addresses.CONVERSATIONS_LIST, query).onSuccess(page -> {
        JsonArray data = page.getJsonArray("data");
        Runnable next = page.getBoolean("has_more") ? () -> conversationPage(archived, page.getString("last_id"))
            : archived ? this::end : () -> conversationPage(true, null);
        conversation(data, 0, next);
      }).onFailure(this::fail);
    }

    private void conversation(JsonArray page, int index, Runnable next) {
      if (index == page.size()) {
        whenDrained(next);
        return;
      }
      JsonObject conversation = page.getJsonObject(index).copy();
      conversations++;
      // A branched conversation goes out whole: its branches, and the messages of all of them.
      request(Addresses.BRANCHES_LIST, new JsonObject().put("id", conversation.getString("id"))).onSuccess(list -> {
        JsonArray forks = new JsonArray();
        for (Object b : list.getJsonArray("data")) {
          JsonObject branch = (JsonObject) b;
          if (branch.getInteger("branch") > 0) {
            forks.add(new JsonObject().put("branch", branch.getInteger("branch"))
                .put("parent_branch", branch.getInteger("parent_branch")).put("fork_seq", branch.getLong("fork_seq")));
          }
        }
        if (!forks.isEmpty()) {
          conversation.put("branches", forks);
        }
        write(new JsonObject().put("type", "conversation").put("conversation", conversation));
        whenDrained(() -> messagePage(conversation.getString("id"), !forks.isEmpty(), null,
            () -> conversation(page, index + 1, next)));
      }).onFailure(this::fail);
    }

    private void messagePage(String conversation, boolean allBranches, String after, Runnable next) {
      JsonObject query = new JsonObject().put("conversation_id", conversation).put("limit", PAGE);
      if (allBranches) {
        query.put("branch", "all");
      }
      if (after != null) {
        query.put("after", after);
      }
      request(Addresses.MESSAGES_LIST, query).onSuccess(page -> {
        for (Object m : page.getJsonArray("data")) {
          messages++;
          write(new JsonObject().put("type", "message").put("message", m));
        }
        whenDrained(page.getBoolean("has_more")
            ? () -> messagePage(conversation, allBranches, page.getString("last_id"), next) : next);
      }).onFailure(this::fail);
    }

    private void end() {
      write(new JsonObject().put("type", "end").put("conversations", conversations).put("messages", messages));
      response.end();
    }

    /** Headers are out: the failure is the last line, and the stream ends. */
    private void fail(Throwable failure) {
      if (gone) {
        return;
      }
      write(new JsonObject().put("type", "error").put("problem", Problem.fromBus(failure).toJson()));
      response.end();
    }
  }
}
