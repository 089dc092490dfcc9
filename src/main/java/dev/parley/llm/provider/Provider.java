package dev.parley.llm.provider;

import io.vertx.core.Future;
import io.vertx.core.Handler;

/** A chat-completion provider speaking one wire protocol. */
public interface Provider {

  /** Starts a call; streamed text arrives through {@code onDelta} (only when the request streams). */
  Call start(ProviderRequest request, Handler<String> onDelta);

  /** A call under way. */
  interface Call {

    Future<ProviderResult> result();

    /** Stops the call (client gone); the result fails as cancelled, keeping what was streamed. */
    void cancel();

    /** The text streamed so far, also after a failure. */
    String partialContent();

    /** Whether any text has been handed to {@code onDelta}: then the call must not be retried. */
    boolean streamedAny();

    /** Stops reading the provider's stream (the client is not keeping up); no-op when nothing streams. */
    default void pause() {
    }

    /** Reads the provider's stream again after {@link #pause()}. */
    default void resume() {
    }
  }
}
