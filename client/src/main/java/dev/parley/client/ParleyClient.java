package dev.parley.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.parley.client.Model.Branch;
import dev.parley.client.Model.ChatTurn;
import dev.parley.client.Model.Claim;
import dev.parley.client.Model.ContextReport;
import dev.parley.client.Model.Conversation;
import dev.parley.client.Model.LlmModel;
import dev.parley.client.Model.Message;
import dev.parley.client.Model.NewMessage;
import dev.parley.client.Model.SearchHit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A client of Parley's HTTP API for Java 17+, on {@code java.net.http} and Jackson. One instance
 * per user token; thread-safe. Writes that Parley makes idempotent (creating a conversation,
 * appending, chat turns) get an Idempotency-Key of their own, so they are retried safely after a
 * lost connection or a 429/502/503/504 (up to {@code maxAttempts}, honouring Retry-After); reads
 * are retried the same way. Lists are {@link Iterable}s that fetch the next page as they go.
 * Problems are {@link ParleyException}s, by status.
 */
public final class ParleyClient {

  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final URI base;
  private final String token;
  private final HttpClient http;
  private final int maxAttempts;
  private final Duration timeout;

  private ParleyClient(Builder builder) {
    this.base = URI.create(builder.baseUri.toString().replaceAll("/+$", "") + "/");
    this.token = builder.token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.maxAttempts = builder.maxAttempts;
    this.timeout = builder.timeout;
  }

  public static Builder builder(URI baseUri) {
    return new Builder(baseUri);
  }

  /** How to reach Parley: its base URI, the user's bearer token, retries and the request time-out. */
  public static final class Builder {
    private final URI baseUri;
    private String token;
    private int maxAttempts = 3;
    private Duration timeout = Duration.ofSeconds(120);

    private Builder(URI baseUri) {
      this.baseUri = baseUri;
    }

    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Attempts of a request that may be retried (default 3; 1 turns retries off). */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = Math.max(1, maxAttempts);
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public ParleyClient build() {
      return new ParleyClient(this);
    }
  }

  /** POST /v1/auth/anonymous: a token for a new anonymous user (no token needed to ask). */
  public static String anonymousToken(URI baseUri) {
    ParleyClient anonymous = builder(baseUri).build();
    return anonymous.send("POST", "v1/auth/anonymous", JSON.createObjectNode(), null, true).get("token").asText();
  }

  // ---- conversations

  /** POST /v1/conversations (idempotent: retried with the same key). */
  public Conversation createConversation(String title, Map<String, Object> metadata) {
    return createConversation(title, metadata, newKey());
  }

  /**
   * POST /v1/conversations under {@code idempotencyKey}: callers that create "the" conversation of
   * something (a memory id) at once get the same one (within Parley's key retention).
   */
  public Conversation createConversation(String title, Map<String, Object> metadata, String idempotencyKey) {
    ObjectNode body = JSON.createObjectNode();
    body.put("title", title);
    if (metadata != null) {
      body.set("metadata", JSON.valueToTree(metadata));
    }
    return as(send("POST", "v1/conversations", body, idempotencyKey, true), Conversation.class);
  }

  public Conversation conversation(UUID id) {
    return as(get("v1/conversations/" + id), Conversation.class);
  }

  /** The user's conversations, newest activity first (archived ones with {@code archived} true), page by page. */
  public Iterable<Conversation> conversations(boolean archived) {
    return pages("v1/conversations?archived=" + archived + "&limit=100", Conversation.class, "last_id");
  }

  public Iterable<Conversation> conversations() {
    return conversations(false);
  }

  public Conversation rename(UUID id, String title) {
    return update(id, JSON.createObjectNode().put("title", title));
  }

  public Conversation archive(UUID id, boolean archived) {
    return update(id, JSON.createObjectNode().put("archived", archived));
  }

  public Conversation setMetadata(UUID id, Map<String, Object> metadata) {
    ObjectNode body = JSON.createObjectNode();
    body.set("metadata", JSON.valueToTree(metadata));
    return update(id, body);
  }

  /** History and context follow {@code branch} from now on. */
  public Conversation selectBranch(UUID id, int branch) {
    return update(id, JSON.createObjectNode().put("current_branch", branch));
  }

  private Conversation update(UUID id, ObjectNode changes) {
    return as(send("PATCH", "v1/conversations/" + id, changes, null, true), Conversation.class);
  }

  public void deleteConversation(UUID id) {
    send("DELETE", "v1/conversations/" + id, null, null, true);
  }

  /**
   * GET …/events: follows a conversation live from after {@code afterSeq}: {@code onEvent} gets each
   * event's name (conversation, message, deleted, ...) and data, on a thread of the client, until
   * the returned handle is closed or the stream ends. Messages arrive in seq order, each once.
   */
  public AutoCloseable follow(UUID conversation, long afterSeq, BiConsumer<String, JsonNode> onEvent) {
    HttpRequest request = request("v1/conversations/" + conversation + "/events?after_seq=" + afterSeq)
        .timeout(Duration.ofDays(1)).header("Accept", "text/event-stream").GET().build();
    CompletableFuture<HttpResponse<Stream<String>>> pending =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
    CompletableFuture<Void> reading = pending.thenAcceptAsync(response -> {
      if (response.statusCode() != 200) {
        response.body().close();
        throw problem(response.statusCode(), "", null);
      }
      try (Stream<String> lines = response.body()) {
        Sse.read(lines, onEvent);
      }
    });
    return () -> {
      reading.cancel(true);
      pending.thenAccept(response -> response.body().close());
    };
  }

  // ---- messages

  /** POST …/messages (idempotent): the stored messages, with their seq and token counts. */
  public List<Message> append(UUID conversation, List<NewMessage> messages) {
    ObjectNode body = JSON.createObjectNode();
    body.set("messages", JSON.valueToTree(messages));
    JsonNode page = send("POST", "v1/conversations/" + conversation + "/messages", body, newKey(), true);
    return as(page.get("data"), new TypeReference<List<Message>>() { });
  }

  /** The history of the current branch, oldest first, page by page. */
  public Iterable<Message> messages(UUID conversation) {
    return pages("v1/conversations/" + conversation + "/messages?limit=100", Message.class, "last_id");
  }

  /** Another branch's history ({@code "0"}, {@code "1"}, ...) or every message of every branch ({@code "all"}). */
  public Iterable<Message> messages(UUID conversation, String branch) {
    return pages("v1/conversations/" + conversation + "/messages?limit=100&branch=" + encode(branch), Message.class,
        "last_id");
  }

  public Message message(UUID conversation, UUID message) {
    return as(get("v1/conversations/" + conversation + "/messages/" + message), Message.class);
  }

  public Message setMessageMetadata(UUID conversation, UUID message, Map<String, Object> metadata) {
    ObjectNode body = JSON.createObjectNode();
    body.set("metadata", JSON.valueToTree(metadata));
    return as(send("PATCH", "v1/conversations/" + conversation + "/messages/" + message, body, null, true), Message.class);
  }

  public void deleteMessage(UUID conversation, UUID message) {
    send("DELETE", "v1/conversations/" + conversation + "/messages/" + message, null, null, true);
  }

  // ---- chat

  /** POST /v1/chat (idempotent): one turn, answered as a whole. */
  public ChatTurn chat(ChatRequest request) {
    return as(send("POST", "v1/chat", request.toJson(), newKey(), true), ChatTurn.class);
  }

  /**
   * POST /v1/chat streamed: {@code onEvent} sees the turn start, each delta and tool-call piece as
   * the model writes, then the answer; returns the stored turn. A failure after the stream started
   * is thrown as the problem the stream carried. Not retried once an event arrived.
   */
  public ChatTurn chat(ChatRequest request, Consumer<ChatEvent> onEvent) {
    ObjectNode body = request.toJson().put("stream", true);
    return streamedTurn(request("v1/chat").header("Accept", "text/event-stream")
        .header("Content-Type", "application/json").header("Idempotency-Key", newKey())
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), onEvent);
  }

  /**
   * GET /v1/chat/turns/{id}/events: follows a streamed turn again, on any node — after a lost
   * connection, or from another process. {@code after} is how many of the turn's events were seen
   * already (0: all of them again); {@code onEvent} gets the rest, then the turn is returned. A turn
   * whose log is no longer kept (no Redis, or expired) is {@link ParleyException.Gone}, with the
   * answer as stored.
   */
  public ChatTurn followTurn(UUID turnId, long after, Consumer<ChatEvent> onEvent) {
    return streamedTurn(request("v1/chat/turns/" + turnId + "/events?after=" + after)
        .header("Accept", "text/event-stream").GET().build(), onEvent);
  }

  private ChatTurn streamedTurn(HttpRequest request, Consumer<ChatEvent> onEvent) {
    HttpResponse<Stream<String>> response = call(request, HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      String text = String.join("\n", (Iterable<String>) response.body()::iterator);
      throw problem(response.statusCode(), text, response.headers().firstValue("Retry-After").orElse(null));
    }
    ChatTurn[] turn = {null};
    ParleyException[] failure = {null};
    try (Stream<String> lines = response.body()) {
      Sse.read(lines, (name, data) -> {
        ChatEvent event = ChatEvent.of(name, data);
        if (event instanceof ChatEvent.Answered answered) {
          turn[0] = answered.turn();
        } else if (event instanceof ChatEvent.Failed failed) {
          failure[0] = failed.problem();
        }
        if (event != null) {
          onEvent.accept(event);
        }
      });
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    if (turn[0] == null) {
      throw new ParleyException(0, null, "Stream ended", "The stream ended before the turn did", null, -1);
    }
    return turn[0];
  }

  /** DELETE /v1/chat/turns/{id}: stops a running streamed turn (its id is in the first event). */
  public void cancelTurn(UUID turnId) {
    send("DELETE", "v1/chat/turns/" + turnId, null, null, false);
  }

  /** POST …/context: what a turn with {@code message} (may be null) would send, without sending it. */
  public ContextReport context(UUID conversation, String message) {
    ObjectNode body = JSON.createObjectNode();
    if (message != null) {
      body.put("message", message);
    }
    return as(send("POST", "v1/conversations/" + conversation + "/context", body, null, true), ContextReport.class);
  }

  // ---- branches

  public List<Branch> branches(UUID conversation) {
    return as(get("v1/conversations/" + conversation + "/branches").get("data"), new TypeReference<List<Branch>>() { });
  }

  /** The conversation goes on after {@code message} on a new branch, made current; returns the branch. */
  public int branchAfter(UUID conversation, UUID message) {
    JsonNode made = send("POST", "v1/conversations/" + conversation + "/branches",
        JSON.createObjectNode().put("message_id", message.toString()), null, true);
    return made.get("branch").asInt();
  }

  /** A new conversation holding the path up to {@code message}. */
  public Conversation fork(UUID conversation, UUID message) {
    return as(send("POST", "v1/conversations/" + conversation + "/fork",
        JSON.createObjectNode().put("message_id", message.toString()), null, false), Conversation.class);
  }

  // ---- search, models, the user's data

  /** GET /v1/search: the user's messages matching {@code query} (web search syntax), best first, page by page. */
  public Iterable<SearchHit> search(String query) {
    return pages("v1/search?limit=50&q=" + encode(query), SearchHit.class, "next");
  }

  public List<LlmModel> models() {
    return as(get("v1/models").get("data"), new TypeReference<List<LlmModel>>() { });
  }

  /** GET /v1/users/me/export into {@code file} (NDJSON). */
  public void export(Path file) {
    HttpResponse<Path> response = call(request("v1/users/me/export").GET().build(), HttpResponse.BodyHandlers.ofFile(file));
    if (response.statusCode() != 200) {
      throw problem(response.statusCode(), "", null);
    }
  }

  /** POST /v1/users/me/import from {@code file} (an export); returns Parley's summary. */
  public JsonNode importFrom(Path file) {
    try {
      HttpRequest request = request("v1/users/me/import").header("Content-Type", "application/x-ndjson")
          .POST(HttpRequest.BodyPublishers.ofFile(file)).build();
      return answer(call(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** POST /v1/users/me/claim: this user takes over an anonymous user's conversations. */
  public Claim claim(String anonymousToken) {
    return as(send("POST", "v1/users/me/claim", JSON.createObjectNode().put("anonymous_token", anonymousToken),
        null, false), Claim.class);
  }

  /** DELETE /v1/users/me: everything Parley holds for this user. */
  public void eraseMe() {
    send("DELETE", "v1/users/me", null, null, true);
  }

  // ---- plumbing

  private static String newKey() {
    return UUID.randomUUID().toString();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private JsonNode get(String path) {
    return send("GET", path, null, null, true);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  /**
   * One JSON request; {@code retried}: safe to send again (reads, deletes, patches, writes with an
   * idempotency key), after a lost connection or a 429/502/503/504.
   */
  private JsonNode send(String method, String path, JsonNode body, String idempotencyKey, boolean retried) {
    HttpRequest.Builder builder = request(path).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body.toString()));
    if (body != null) {
      builder.header("Content-Type", "application/json");
    }
    if (idempotencyKey != null) {
      builder.header("Idempotency-Key", idempotencyKey);
    }
    HttpRequest request = builder.build();
    int attempts = retried ? maxAttempts : 1;
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        boolean transient_ = status == 429 || status == 502 || status == 503 || status == 504;
        if (transient_ && attempt < attempts) {
          pause(attempt, response.headers().firstValue("Retry-After").orElse(null));
          continue;
        }
        return answer(response);
      } catch (IOException e) {
        if (attempt >= attempts) {
          throw new UncheckedIOException("Parley could not be reached: " + e.getMessage(), e);
        }
        pause(attempt, null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private <T> HttpResponse<T> call(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException("Parley could not be reached: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void pause(int attempt, String retryAfter) {
    long ms = Math.min(5_000, 200L << (attempt - 1));
    if (retryAfter != null) {
      try {
        ms = Math.min(30_000, Long.parseLong(retryAfter.trim()) * 1000);
      } catch (NumberFormatException ignored) {
        // a date: keep the back-off
      }
    }
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static JsonNode answer(HttpResponse<String> response) {
    int status = response.statusCode();
    if (status >= 400) {
      throw problem(status, response.body(), response.headers().firstValue("Retry-After").orElse(null));
    }
    try {
      return response.body() == null || response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("Parley answered something that is not JSON", e);
    }
  }

  static ParleyException problem(int status, String body, String retryAfter) {
    JsonNode json;
    try {
      json = body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      json = JSON.createObjectNode();
    }
    return problem(status, json, retryAfter);
  }

  static ParleyException problem(int status, JsonNode json, String retryAfter) {
    List<ParleyException.FieldError> errors = new ArrayList<>();
    for (JsonNode e : json.path("errors")) {
      errors.add(new ParleyException.FieldError(e.path("pointer").asText(null), e.path("parameter").asText(null),
          e.path("detail").asText(null)));
    }
    long seconds = -1;
    if (retryAfter != null) {
      try {
        seconds = Long.parseLong(retryAfter.trim());
      } catch (NumberFormatException ignored) {
        seconds = -1;
      }
    }
    if (status == 410) {
      JsonNode stored = json.path("message");
      return new ParleyException.Gone(json.path("type").asText(null), json.path("title").asText(null),
          json.path("detail").asText(null), json.hasNonNull("conversation_id")
              ? UUID.fromString(json.get("conversation_id").asText()) : null,
          stored.isObject() ? as(stored, Message.class) : null);
    }
    return ParleyException.of(status, json.path("type").asText(null), json.path("title").asText(null),
        json.path("detail").asText(null), errors, seconds);
  }

  static <T> T as(JsonNode json, Class<T> type) {
    return JSON.convertValue(json, type);
  }

  static <T> T as(JsonNode json, TypeReference<T> type) {
    return JSON.convertValue(json, type);
  }

  /** A list read page by page: {@code cursor} names the member that continues it (last_id or next). */
  private <T> Iterable<T> pages(String first, Class<T> type, String cursor) {
    return () -> new Iterator<>() {
      private Iterator<JsonNode> page = List.<JsonNode>of().iterator();
      private String next = first;

      @Override
      public boolean hasNext() {
        while (!page.hasNext() && next != null) {
          JsonNode json = get(next);
          List<JsonNode> items = new ArrayList<>();
          json.path("data").forEach(items::add);
          page = items.iterator();
          String after = json.path(cursor).asText(null);
          boolean more = "next".equals(cursor) ? after != null : json.path("has_more").asBoolean(false);
          next = more && after != null ? first + "&after=" + encode(after) : null;
        }
        return page.hasNext();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return as(page.next(), type);
      }
    };
  }
}
