package dev.parley.llm.provider;

import dev.parley.model.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * The built-in provider when no LLM is configured: a deterministic, clearly labelled reply, streamed
 * word by word, with usage counted by the same tokenizer as stored messages.
 */
public final class PlaceholderProvider implements Provider {

  static final String PREFIX = "[placeholder] ";

  private final TokenCounter tokens;

  public PlaceholderProvider(TokenCounter tokens) {
    this.tokens = tokens;
  }

  @Override
  public Call start(ProviderRequest request, Handler<String> onDelta) {
    int promptTokens = request.system() == null ? 0 : tokens.count(request.system());
    int messages = request.messages().size();
    for (Object m : request.messages()) {
      promptTokens += tokens.count(((JsonObject) m).getString("content"));
    }
    String reply = PREFIX + "No LLM provider is configured, so Parley answers with this placeholder. "
        + "Your conversation context had " + messages + " message" + (messages == 1 ? "" : "s")
        + " and " + promptTokens + " tokens. Set PARLEY_OPENAI_API_KEY or PARLEY_ANTHROPIC_API_KEY for real answers.";
    ProviderResult result = new ProviderResult(reply, null, promptTokens, tokens.count(reply), "stop");
    Promise<ProviderResult> promise = Promise.promise();
    StringBuilder sent = new StringBuilder();
    if (request.stream()) {
      String[] words = reply.split("(?<= )");
      for (String word : words) {
        onDelta.handle(word);
        sent.append(word);
      }
    }
    promise.complete(result);
    return new Call() {
      @Override
      public Future<ProviderResult> result() {
        return promise.future();
      }

      @Override
      public void cancel() {
        // already complete
      }

      @Override
      public String partialContent() {
        return sent.toString();
      }

      @Override
      public boolean streamedAny() {
        return sent.length() > 0;
      }
    };
  }
}
