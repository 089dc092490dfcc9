package dev.parley.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The request of each public address ({@link Addresses}), typed. {@code fromJson} is the bus edge:
 * it applies exactly the rules of the HTTP contract (openapi.yaml) plus Parley's input limits
 * ({@link InputRules}), and throws a 400 problem that points at the first wrong value, before
 * anything is read or written. Bodies reject members the contract does not declare; list queries,
 * like HTTP query strings, ignore them. {@code toJson} is the wire form a client sends.
 */
public final class Requests {

  private Requests() {
  }

  /** parley.conversations.create: {title?, metadata?, messages?}. */
  public record CreateConversation(String title, JsonObject metadata, List<NewMessage> messages) {

    private static final Set<String> FIELDS = Set.of("title", "metadata", "messages");

    public static CreateConversation fromJson(JsonObject body, InputRules rules) {
      Fields.only(body, "", FIELDS);
      return new CreateConversation(rules.title(body), rules.metadata(body.getValue("metadata"), "/metadata"),
          rules.messages(body.getValue("messages"), "/messages", 0));
    }

    public JsonObject toJson() {
      JsonObject json = new JsonObject();
      if (title != null) {
        json.put("title", title);
      }
      if (metadata != null && !metadata.isEmpty()) {
        json.put("metadata", metadata);
      }
      if (messages != null && !messages.isEmpty()) {
        json.put("messages", new JsonArray(messages.stream().map(NewMessage::toJson).toList()));
      }
      return json;
    }
  }

  /** parley.conversations.list: {limit? (1..100, 20), archived? (false), after? (a conversation id)}. */
  public record ListConversations(int limit, boolean archived, UUID after) {

    public static ListConversations fromJson(JsonObject query) {
      Integer limit = Fields.integer(query, "limit", "/limit", 1, Pages.MAX_LIMIT);
      Boolean archived = Fields.bool(query, "archived");
      return new ListConversations(limit == null ? Pages.DEFAULT_LIMIT : limit, Boolean.TRUE.equals(archived),
          Fields.uuid(query, "after", false));
    }

    public JsonObject toJson() {
      return new JsonObject().put("limit", limit).put("archived", archived)
          .put("after", after == null ? null : after.toString());
    }
  }

  /** parley.conversations.get and parley.conversations.delete: {id}. */
  public record ConversationId(UUID id) {

    private static final Set<String> FIELDS = Set.of("id");

    public static ConversationId fromJson(JsonObject body) {
      Fields.only(body, "", FIELDS);
      return new ConversationId(Fields.uuid(body, "id", true));
    }

    public JsonObject toJson() {
      return new JsonObject().put("id", id.toString());
    }
  }

  /**
   * parley.conversations.update: {id, title?, metadata?, archived?}. A title given as null goes
   * back to the automatic title; absent members are left as they are.
   */
  public record UpdateConversation(UUID id, boolean titleGiven, String title, JsonObject metadata, Boolean archived,
                                   Integer currentBranch) {

    private static final Set<String> FIELDS = Set.of("id", "title", "metadata", "archived", "current_branch");

    public static UpdateConversation fromJson(JsonObject body, InputRules rules) {
      Fields.only(body, "", FIELDS);
      UUID id = Fields.uuid(body, "id", true);
      Object metadata = body.getValue("metadata");
      return new UpdateConversation(id, body.containsKey("title"), rules.title(body),
          metadata == null ? null : rules.metadata(metadata, "/metadata"), Fields.bool(body, "archived"),
          Fields.integer(body, "current_branch", "/current_branch", 0, Integer.MAX_VALUE));
    }

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("id", id.toString());
      if (currentBranch != null) {
        json.put("current_branch", currentBranch);
      }
      if (titleGiven) {
        json.put("title", title);
      }
      if (metadata != null) {
        json.put("metadata", metadata);
      }
      if (archived != null) {
        json.put("archived", archived);
      }
      return json;
    }
  }

  /**
   * parley.conversations.follow: {conversation_id, after_seq? (0)}, with the stream-address header
   * naming where the events go. Messages with seq above after_seq are sent first, then what is
   * committed from now on.
   */
  public record FollowConversation(UUID conversationId, long afterSeq) {

    private static final Set<String> FIELDS = Set.of("conversation_id", "after_seq");

    public static FollowConversation fromJson(JsonObject body) {
      Fields.only(body, "", FIELDS);
      UUID id = Fields.uuid(body, "conversation_id", true);
      Long after = Fields.whole(body, "after_seq", "/after_seq", 0);
      return new FollowConversation(id, after == null ? 0 : after);
    }

    public JsonObject toJson() {
      return new JsonObject().put("conversation_id", conversationId.toString()).put("after_seq", afterSeq);
    }
  }

  /** parley.messages.append: {conversation_id, messages: [1..limits.messages_per_request]}. */
  public record AppendMessages(UUID conversationId, List<NewMessage> messages) {

    private static final Set<String> FIELDS = Set.of("conversation_id", "messages");

    public static AppendMessages fromJson(JsonObject body, InputRules rules) {
      Fields.only(body, "", FIELDS);
      UUID id = Fields.uuid(body, "conversation_id", true);
      return new AppendMessages(id, rules.messages(body.getValue("messages"), "/messages", 1));
    }

    public JsonObject toJson() {
      return new JsonObject().put("conversation_id", conversationId.toString())
          .put("messages", new JsonArray(messages.stream().map(NewMessage::toJson).toList()));
    }
  }

  /**
   * {conversation_id, message_id}: parley.messages.get and .delete; also parley.conversations.branches.create (the conversation
   * goes on after that message on a new branch, made current) and parley.conversations.fork (a new
   * conversation holding the path up to that message).
   */
  public record MessageRef(UUID conversationId, UUID messageId) {

    private static final Set<String> FIELDS = Set.of("conversation_id", "message_id");

    public static MessageRef fromJson(JsonObject body) {
      Fields.only(body, "", FIELDS);
      return new MessageRef(Fields.uuid(body, "conversation_id", true), Fields.uuid(body, "message_id", true));
    }

    public JsonObject toJson() {
      return new JsonObject().put("conversation_id", conversationId.toString()).put("message_id", messageId.toString());
    }
  }

  /** parley.messages.update: {conversation_id, message_id, metadata} — the message's metadata, replaced whole. */
  public record UpdateMessage(UUID conversationId, UUID messageId, JsonObject metadata) {

    private static final Set<String> FIELDS = Set.of("conversation_id", "message_id", "metadata");

    public static UpdateMessage fromJson(JsonObject body, InputRules rules) {
      Fields.only(body, "", FIELDS);
      UUID conversation = Fields.uuid(body, "conversation_id", true);
      UUID message = Fields.uuid(body, "message_id", true);
      if (body.getValue("metadata") == null) {
        throw Problem.invalid("/metadata", "metadata is required");
      }
      return new UpdateMessage(conversation, message, rules.metadata(body.getValue("metadata"), "/metadata"));
    }

    public JsonObject toJson() {
      return new JsonObject().put("conversation_id", conversationId.toString()).put("message_id", messageId.toString())
          .put("metadata", metadata);
    }
  }

  /**
   * parley.search: {q: 1..200 characters (web-search syntax: words, "phrases", -not, or), limit?:
   * 1..50 (20), after?: the cursor of the page before}.
   */
  public record Search(String q, int limit, String after) {

    private static final Set<String> FIELDS = Set.of("q", "limit", "after");

    public static Search fromJson(JsonObject body) {
      Fields.only(body, "", FIELDS);
      String q = Fields.string(body, "q", "/q");
      if (q == null || q.isBlank() || q.length() > 200) {
        throw Problem.invalid("/q", "q must be 1 to 200 characters");
      }
      Integer limit = Fields.integer(body, "limit", "/limit", 1, 50);
      String after = Fields.string(body, "after", "/after");
      return new Search(q.strip(), limit == null ? 20 : limit, after);
    }

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("q", q).put("limit", limit);
      if (after != null) {
        json.put("after", after);
      }
      return json;
    }
  }

  /** parley.messages.list: {conversation_id, limit?, order? (asc), after?, before?}. */
  public record ListMessages(UUID conversationId, int limit, ListOrder order, UUID after, UUID before, String branch) {

    /** The branch value that lists every message of every branch, in seq order. */
    public static final String ALL_BRANCHES = "all";

    public static ListMessages fromJson(JsonObject query) {
      UUID id = Fields.uuid(query, "conversation_id", true);
      Integer limit = Fields.integer(query, "limit", "/limit", 1, Pages.MAX_LIMIT);
      ListOrder order = Fields.oneOf(ListOrder.class, query.getValue("order"), "/order", "order", ListOrder.ASC);
      Object branch = query.getValue("branch");
      String b = branch == null ? null : String.valueOf(branch);
      if (b != null && !ALL_BRANCHES.equals(b) && !b.matches("[0-9]{1,9}")) {
        throw Problem.invalid("/branch", "branch must be a branch number of the conversation, or all");
      }
      return new ListMessages(id, limit == null ? Pages.DEFAULT_LIMIT : limit, order,
          Fields.uuid(query, "after", false), Fields.uuid(query, "before", false), b);
    }

    public JsonObject toJson() {
      return new JsonObject().put("conversation_id", conversationId.toString()).put("limit", limit)
          .put("order", order.wire()).put("after", after == null ? null : after.toString())
          .put("before", before == null ? null : before.toString()).put("branch", branch);
    }
  }

  /**
   * parley.chat.turn — {conversation_id?, message: string | {content, sources?, selected_text?, metadata?}, model?,
   * system?, max_output_tokens?, context?: {strategy?, last_n?, max_prompt_tokens?}} — and
   * parley.chat.context, the same without a required message and with the conversation_id
   * required. Streaming on the bus is asked for with the stream-address header, not a member.
   */
  public record ChatTurn(UUID conversationId, String content, JsonArray sources, String selectedText,
                         JsonObject metadata, String model,
                         String system, Integer maxOutputTokens, ContextStrategy strategy, int lastN,
                         Integer maxPromptTokens, JsonArray tools, Object toolChoice, List<ToolResult> toolResults,
                         UUID parentId, Sampling sampling) {

    /** A tool's result handed back to the model: it answers the pending call {@code toolCallId}. */
    public record ToolResult(String toolCallId, String content) {

      public NewMessage toMessage() {
        return new NewMessage(Role.TOOL, content, 0, null, null, null, new JsonObject(), null, toolCallId,
            MessageStatus.COMPLETE);
      }
    }

    private static final Set<String> FIELDS = Set.of("conversation_id", "message", "model", "system",
        "max_output_tokens", "context", "tools", "tool_choice", "tool_results", "parent_id", "temperature", "top_p",
        "stop");
    private static final Set<String> TOOL_FIELDS = Set.of("type", "function");
    private static final Set<String> FUNCTION_FIELDS = Set.of("name", "description", "parameters", "strict");
    private static final Set<String> TOOL_RESULT_FIELDS = Set.of("tool_call_id", "content");
    private static final Set<String> TOOL_CHOICES = Set.of("auto", "none", "required");
    /** Tools one turn may offer. */
    public static final int MAX_TOOLS = 128;
    private static final Set<String> MESSAGE_FIELDS = Set.of("content", "sources", "selected_text", "metadata");
    private static final Set<String> CONTEXT_FIELDS = Set.of("strategy", "last_n", "max_prompt_tokens");

    /** A chat turn: the message is required, the conversation is optional (absent: a new one). */
    public static ChatTurn turn(JsonObject body, InputRules rules) {
      return parse(body, rules, false);
    }

    /** A context dry run: the conversation is required, the message optional. */
    public static ChatTurn dryRun(JsonObject body, InputRules rules) {
      return parse(body, rules, true);
    }

    private static ChatTurn parse(JsonObject body, InputRules rules, boolean dryRun) {
      if (body.containsKey("stream")) {
        throw Problem.invalid("/stream", "stream is not a member on the bus: set the stream-address header to stream");
      }
      Fields.only(body, "", FIELDS);
      UUID conversation = Fields.uuid(body, "conversation_id", dryRun);
      Object message = body.getValue("message");
      String content;
      JsonArray sources = null;
      String selectedText = null;
      JsonObject metadata = null;
      if (message instanceof String s) {
        content = s;
      } else if (message instanceof JsonObject m) {
        Fields.only(m, "/message", MESSAGE_FIELDS);
        if (!(m.getValue("content") instanceof String s)) {
          throw Problem.invalid("/message/content", "content must be a string");
        }
        content = s;
        sources = Fields.array(m, "sources", "/message/sources");
        selectedText = rules.selectedText(m.getValue("selected_text"), "/message/selected_text");
        if (m.getValue("metadata") != null) {
          metadata = rules.metadata(m.getValue("metadata"), "/message/metadata");
        }
      } else if (message == null && (dryRun || body.getValue("tool_results") != null
          || body.getValue("parent_id") != null)) {
        content = null;
      } else {
        throw Problem.invalid("/message", "message must be a string or an object with content (or give tool_results)");
      }
      int maxChars = rules.limits().contentChars();
      if (content != null && content.isBlank()) {
        throw Problem.invalid("/message", "message must not be empty");
      }
      if (content != null && content.length() > maxChars) {
        throw Problem.invalid("/message", "message must be at most " + maxChars + " characters");
      }
      String system = Fields.string(body, "system", "/system");
      if (system != null && system.length() > maxChars) {
        throw Problem.invalid("/system", "system must be at most " + maxChars + " characters");
      }
      Integer maxOutput = Fields.integer(body, "max_output_tokens", "/max_output_tokens", 1, Integer.MAX_VALUE);
      JsonObject context = body.getValue("context") == null ? new JsonObject()
          : Fields.object(body.getValue("context"), "/context");
      Fields.only(context, "/context", CONTEXT_FIELDS);
      ContextStrategy strategy = Fields.oneOf(ContextStrategy.class, context.getValue("strategy"), "/context/strategy",
          "strategy", ContextStrategy.TOKEN_BUDGET);
      Integer lastN = Fields.integer(context, "last_n", "/context/last_n", 1, 10_000);
      if (strategy == ContextStrategy.LAST_N && lastN == null) {
        throw Problem.invalid("/context/last_n", "last_n is required with strategy last_n");
      }
      Integer maxPrompt = Fields.integer(context, "max_prompt_tokens", "/context/max_prompt_tokens", 1,
          Integer.MAX_VALUE);
      JsonArray tools = tools(body.getValue("tools"));
      Object toolChoice = toolChoice(body.getValue("tool_choice"), tools);
      List<ToolResult> toolResults = toolResults(body.getValue("tool_results"), maxChars);
      if (!toolResults.isEmpty() && conversation == null) {
        throw Problem.invalid("/tool_results", "tool_results answer the tool calls of a conversation: conversation_id is required");
      }
      if (dryRun && body.containsKey("parent_id")) {
        throw Problem.invalid("/parent_id", "a dry run reads the current branch: parent_id is for turns");
      }
      UUID parent = dryRun ? null : Fields.uuid(body, "parent_id", false);
      if (parent != null && conversation == null) {
        throw Problem.invalid("/parent_id", "parent_id is a message of a conversation: conversation_id is required");
      }
      return new ChatTurn(conversation, content, sources, selectedText, metadata, Fields.string(body, "model", "/model"),
          system, maxOutput, strategy, lastN == null ? 0 : lastN, maxPrompt, tools, toolChoice, toolResults, parent,
          Sampling.from(body));
    }

    /** [{type: "function", function: {name, description?, parameters? (a JSON schema object), strict?}}], or null. */
    static JsonArray tools(Object value) {
      if (value == null) {
        return null;
      }
      if (!(value instanceof JsonArray tools) || tools.isEmpty() || tools.size() > MAX_TOOLS) {
        throw Problem.invalid("/tools", "tools must be an array of 1 to " + MAX_TOOLS + " function definitions");
      }
      Set<String> names = new java.util.HashSet<>();
      for (int i = 0; i < tools.size(); i++) {
        String at = "/tools/" + i;
        JsonObject tool = Fields.object(tools.getValue(i), at);
        Fields.only(tool, at, TOOL_FIELDS);
        if (!"function".equals(tool.getValue("type"))) {
          throw Problem.invalid(at + "/type", "type must be function");
        }
        JsonObject function = Fields.object(tool.getValue("function"), at + "/function");
        Fields.only(function, at + "/function", FUNCTION_FIELDS);
        if (!names.add(InputRules.functionName(function.getValue("name"), at + "/function/name"))) {
          throw Problem.invalid(at + "/function/name", "tool names must be unique");
        }
        Fields.string(function, "description", at + "/function/description");
        if (function.getValue("parameters") != null) {
          Fields.object(function.getValue("parameters"), at + "/function/parameters");
        }
        Fields.bool(function, "strict");
      }
      return tools;
    }

    /** "auto", "none", "required" or {type: "function", function: {name}} naming one of the tools; null when absent. */
    static Object toolChoice(Object value, JsonArray tools) {
      if (value == null) {
        return null;
      }
      if (tools == null) {
        throw Problem.invalid("/tool_choice", "tool_choice needs tools");
      }
      if (value instanceof String s && TOOL_CHOICES.contains(s)) {
        return s;
      }
      if (value instanceof JsonObject choice && "function".equals(choice.getValue("type"))
          && choice.getValue("function") instanceof JsonObject f && choice.size() == 2 && f.size() == 1
          && f.getValue("name") instanceof String name) {
        for (Object t : tools) {
          if (name.equals(((JsonObject) t).getJsonObject("function").getString("name"))) {
            return choice;
          }
        }
        throw Problem.invalid("/tool_choice/function/name", "tool_choice names a function that is not in tools");
      }
      throw Problem.invalid("/tool_choice", "tool_choice must be auto, none, required or {type: function, function: {name}}");
    }

    /** [{tool_call_id, content}], each call once; empty when absent. */
    private static List<ToolResult> toolResults(Object value, int maxChars) {
      if (value == null) {
        return List.of();
      }
      if (!(value instanceof JsonArray results) || results.isEmpty() || results.size() > InputRules.MAX_TOOL_CALLS) {
        throw Problem.invalid("/tool_results", "tool_results must be an array of 1 to " + InputRules.MAX_TOOL_CALLS
            + " results");
      }
      List<ToolResult> out = new ArrayList<>(results.size());
      Set<String> ids = new java.util.HashSet<>();
      for (int i = 0; i < results.size(); i++) {
        String at = "/tool_results/" + i;
        JsonObject result = Fields.object(results.getValue(i), at);
        Fields.only(result, at, TOOL_RESULT_FIELDS);
        String id = InputRules.toolCallId(result.getValue("tool_call_id"), at + "/tool_call_id");
        if (!ids.add(id)) {
          throw Problem.invalid(at + "/tool_call_id", "each tool call is answered once");
        }
        if (!(result.getValue("content") instanceof String text) || text.length() > maxChars) {
          throw Problem.invalid(at + "/content", "content must be a string of at most " + maxChars + " characters");
        }
        out.add(new ToolResult(id, text));
      }
      return out;
    }

    /** The user message as the store takes it (null when the turn only hands back tool results). */
    public NewMessage userMessage() {
      return content == null ? null : new NewMessage(Role.USER, content, 0, null, sources, selectedText,
          metadata == null ? new JsonObject() : metadata, null, null, MessageStatus.COMPLETE);
    }

    /** What the turn adds before the answer, in order: its tool results, then the user's message (if any). */
    public List<NewMessage> inputMessages() {
      List<NewMessage> input = new ArrayList<>(toolResults.size() + 1);
      toolResults.forEach(r -> input.add(r.toMessage()));
      if (content != null) {
        input.add(userMessage());
      }
      return input;
    }

    /** The ids of the calls the turn's tool results answer. */
    public List<String> toolCallIds() {
      return toolResults.stream().map(ToolResult::toolCallId).toList();
    }

    public JsonObject toJson() {
      JsonObject json = new JsonObject();
      if (conversationId != null) {
        json.put("conversation_id", conversationId.toString());
      }
      if (content != null) {
        JsonObject message = new JsonObject().put("content", content);
        if (sources != null) {
          message.put("sources", sources);
        }
        if (selectedText != null) {
          message.put("selected_text", selectedText);
        }
        if (metadata != null) {
          message.put("metadata", metadata);
        }
        json.put("message", message.size() == 1 ? content : message);
      }
      if (!toolResults.isEmpty()) {
        JsonArray results = new JsonArray();
        toolResults.forEach(r -> results.add(new JsonObject().put("tool_call_id", r.toolCallId()).put("content", r.content())));
        json.put("tool_results", results);
      }
      json.put("tools", tools).put("tool_choice", toolChoice).put("parent_id", parentId == null ? null : parentId.toString());
      json.mergeIn(sampling.toJson());
      json.put("model", model).put("system", system).put("max_output_tokens", maxOutputTokens);
      JsonObject context = new JsonObject().put("strategy", strategy.wire());
      if (strategy == ContextStrategy.LAST_N) {
        context.put("last_n", lastN);
      }
      if (maxPromptTokens != null) {
        context.put("max_prompt_tokens", maxPromptTokens);
      }
      json.put("context", context);
      json.fieldNames().removeIf(name -> json.getValue(name) == null);
      return json;
    }
  }

  /** parley.users.erase: an empty body; the user in the header loses everything Parley holds for them. */
  /** parley.users.claim: {anonymous_token} — the token of the anonymous principal to take over. */
  public record ClaimAnonymous(String anonymousToken) {

    private static final Set<String> FIELDS = Set.of("anonymous_token");

    public static ClaimAnonymous fromJson(JsonObject body) {
      Fields.only(body, "", FIELDS);
      String token = Fields.string(body, "anonymous_token", "/anonymous_token");
      if (token == null || token.isEmpty() || token.length() > 4096) {
        throw Problem.invalid("/anonymous_token", "anonymous_token is required (the anonymous principal's token)");
      }
      return new ClaimAnonymous(token);
    }

    public JsonObject toJson() {
      return new JsonObject().put("anonymous_token", anonymousToken);
    }
  }

  /**
   * parley.users.import: {records: [...]}, the lines of an export in order — an optional
   * {type: "export"} header, then each {type: "conversation", conversation: {id, title?, metadata?,
   * archived?, created_at?}} followed by its {type: "message", message: {...}} lines, and an optional
   * {type: "end"}. Every record is checked before anything is written; a bad one is a 400 that
   * names its line (its index + 1).
   */
  public record ImportRecords(List<ImportedConversation> conversations) {

    /**
     * One conversation to import: its id in the export, what it holds, its messages in order. A
     * branched conversation (forks not empty) keeps its seqs and each message's branch as exported.
     */
    public record ImportedConversation(String sourceId, String title, JsonObject metadata, boolean archived,
                                       java.time.OffsetDateTime createdAt, List<NewMessage> messages,
                                       List<java.time.OffsetDateTime> messageTimes, List<Long> messageSeqs,
                                       List<Integer> messageBranches, List<ImportedFork> forks, int currentBranch) {

      public boolean branched() {
        return !forks.isEmpty();
      }
    }

    /** A branch of an exported conversation: it starts after seq forkSeq of parentBranch. */
    public record ImportedFork(int branch, int parentBranch, long forkSeq) {
    }

    private static final Set<String> FIELDS = Set.of("records");
    private static final Set<String> RECORD_FIELDS = Set.of("type", "conversation", "message", "format", "user_id",
        "exported_at", "conversations", "messages");
    private static final Set<String> CONVERSATION_FIELDS = Set.of("id", "object", "title", "metadata", "archived",
        "message_count", "total_tokens", "created_at", "updated_at", "current_branch", "forked_from", "branches");
    private static final Set<String> FORK_FIELDS = Set.of("branch", "parent_branch", "fork_seq");

    public static ImportRecords fromJson(JsonObject body, InputRules rules, int maxRecords) {
      Fields.only(body, "", FIELDS);
      if (!(body.getValue("records") instanceof JsonArray records) || records.isEmpty()) {
        throw Problem.invalid("/records", "records must be a non-empty array (the lines of an export)");
      }
      if (records.size() > maxRecords) {
        throw Problem.invalid("/records", "an import holds at most " + maxRecords + " lines");
      }
      List<ImportedConversation> conversations = new ArrayList<>();
      java.util.Set<String> seen = new java.util.HashSet<>();
      List<NewMessage> messages = null;
      List<java.time.OffsetDateTime> times = null;
      List<Long> seqs = null;
      List<Integer> branchOf = null;
      java.util.Set<Integer> known = null;
      for (int i = 0; i < records.size(); i++) {
        int line = i + 1;
        String at = "/records/" + i;
        if (!(records.getValue(i) instanceof JsonObject record)) {
          throw Problem.invalid(at, "line " + line + ": each line must be a JSON object");
        }
        try {
          Fields.only(record, at, RECORD_FIELDS);
          String type = record.getValue("type") instanceof String t ? t : "";
          switch (type) {
            case "export", "end" -> {
              if (type.equals("export") && i != 0) {
                throw Problem.invalid(at + "/type", "the export line comes first");
              }
            }
            case "conversation" -> {
              JsonObject c = Fields.object(record.getValue("conversation"), at + "/conversation");
              Fields.only(c, at + "/conversation", CONVERSATION_FIELDS);
              if (!(c.getValue("id") instanceof String id) || id.isEmpty() || id.length() > 255) {
                throw Problem.invalid(at + "/conversation/id", "id must be a string of 1 to 255 characters");
              }
              if (!seen.add(id)) {
                throw Problem.invalid(at + "/conversation/id", "this conversation came before");
              }
              Boolean archived = Fields.bool(c, "archived");
              messages = new ArrayList<>();
              times = new ArrayList<>();
              seqs = new ArrayList<>();
              branchOf = new ArrayList<>();
              List<ImportedFork> forks = forks(c.getValue("branches"), at + "/conversation/branches");
              known = new java.util.HashSet<>(List.of(0));
              for (ImportedFork f : forks) {
                known.add(f.branch());
              }
              Integer current = Fields.integer(c, "current_branch", at + "/conversation/current_branch", 0, Integer.MAX_VALUE);
              if (current != null && !known.contains(current)) {
                throw Problem.invalid(at + "/conversation/current_branch", "current_branch must be one of the branches");
              }
              conversations.add(new ImportedConversation(id, rules.title(c),
                  rules.metadata(c.getValue("metadata"), at + "/conversation/metadata"), Boolean.TRUE.equals(archived),
                  time(c.getValue("created_at"), at + "/conversation/created_at"), messages, times, seqs, branchOf, forks,
                  current == null ? 0 : current));
            }
            case "message" -> {
              if (messages == null) {
                throw Problem.invalid(at, "a message line must follow its conversation line");
              }
              Object m = record.getValue("message");
              messages.add(rules.importedMessage(m, at + "/message"));
              times.add(m instanceof JsonObject o ? time(o.getValue("created_at"), at + "/message/created_at") : null);
              JsonObject o = (JsonObject) m;
              ImportedConversation owner = conversations.get(conversations.size() - 1);
              if (owner.branched()) {
                // A branched conversation keeps its seqs (forks name them) and its messages' branches.
                Integer seq = Fields.integer(o, "seq", at + "/message/seq", 1, Integer.MAX_VALUE);
                if (seq == null || !seqs.isEmpty() && seq <= seqs.get(seqs.size() - 1)) {
                  throw Problem.invalid(at + "/message/seq", "a branched conversation's messages need increasing seqs");
                }
                Integer branch = Fields.integer(o, "branch", at + "/message/branch", 0, Integer.MAX_VALUE);
                if (branch != null && !known.contains(branch)) {
                  throw Problem.invalid(at + "/message/branch", "branch must be one of the conversation's branches");
                }
                seqs.add(seq.longValue());
                branchOf.add(branch == null ? 0 : branch);
              }
            }
            default -> throw Problem.invalid(at + "/type", "type must be export, conversation, message or end");
          }
        } catch (Problem problem) {
          if (problem.type() != ProblemType.VALIDATION || problem.errors() == null || problem.errors().isEmpty()
              || problem.detail().startsWith("line ")) {
            throw problem;
          }
          JsonObject first = problem.errors().getJsonObject(0);
          throw Problem.invalid(first.getString("pointer"), "line " + line + ": " + first.getString("detail"));
        }
      }
      if (conversations.isEmpty()) {
        throw Problem.invalid("/records", "an import holds at least one conversation line");
      }
      return new ImportRecords(conversations);
    }

    /** A branched conversation's forks: [{branch (from 1), parent_branch, fork_seq}], parents before children. */
    private static List<ImportedFork> forks(Object value, String pointer) {
      if (value == null) {
        return List.of();
      }
      if (!(value instanceof JsonArray array)) {
        throw Problem.invalid(pointer, "branches must be an array");
      }
      List<ImportedFork> forks = new ArrayList<>();
      java.util.Set<Integer> known = new java.util.HashSet<>(List.of(0));
      for (int i = 0; i < array.size(); i++) {
        String at = pointer + "/" + i;
        JsonObject fork = Fields.object(array.getValue(i), at);
        Fields.only(fork, at, FORK_FIELDS);
        Integer branch = Fields.integer(fork, "branch", at + "/branch", 1, Integer.MAX_VALUE);
        Integer parent = Fields.integer(fork, "parent_branch", at + "/parent_branch", 0, Integer.MAX_VALUE);
        Integer seq = Fields.integer(fork, "fork_seq", at + "/fork_seq", 0, Integer.MAX_VALUE);
        if (branch == null || parent == null || seq == null || !known.contains(parent) || !known.add(branch)) {
          throw Problem.invalid(at, "each branch needs a new branch number, a parent branch listed before it and a fork_seq");
        }
        forks.add(new ImportedFork(branch, parent, seq));
      }
      return forks;
    }

    private static java.time.OffsetDateTime time(Object value, String pointer) {
      if (value == null) {
        return null;
      }
      try {
        return java.time.OffsetDateTime.parse((String) value);
      } catch (RuntimeException e) {
        throw Problem.invalid(pointer, "must be an ISO-8601 date-time with an offset");
      }
    }
  }

  public record EraseUser() {

    public static EraseUser fromJson(JsonObject body) {
      Fields.only(body, "", Set.of());
      return new EraseUser();
    }

    public JsonObject toJson() {
      return new JsonObject();
    }
  }
}
