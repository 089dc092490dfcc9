package dev.parley.store;

import dev.parley.bus.NewMessage;
import dev.parley.model.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/** Takes the token count of messages before they are written; large batches off the event loop. */
final class MessageTokens {

  /** Above this many characters counting could hold an event loop for more than a millisecond. */
  private static final int INLINE_CHARS = 8_192;

  private final Vertx vertx;
  private final TokenCounter counter;

  MessageTokens(Vertx vertx, TokenCounter counter) {
    this.vertx = vertx;
    this.counter = counter;
  }

  Future<List<NewMessage>> count(List<NewMessage> messages) {
    int chars = 0;
    for (NewMessage m : messages) {
      chars += m.tokenCount() > 0 ? 0 : m.content().length();
    }
    if (chars <= INLINE_CHARS) {
      return Future.succeededFuture(counted(messages));
    }
    return vertx.executeBlocking(() -> counted(messages), false);
  }

  private List<NewMessage> counted(List<NewMessage> messages) {
    List<NewMessage> out = new ArrayList<>(messages.size());
    for (NewMessage m : messages) {
      // A chat turn's user message arrives counted: its turn counted it to fit the context.
      // Tool calls are part of what the model reads back: their JSON counts with the text.
      out.add(m.tokenCount() > 0 ? m : m.withTokenCount(counter.count(m.content())
          + (m.toolCalls() == null ? 0 : counter.count(m.toolCalls().encode()))));
    }
    return out;
  }
}
