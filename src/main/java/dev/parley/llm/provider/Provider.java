package dev.parley.llm.provider;

import io.vertx.core.Future;

/** A chat-completion provider speaking one wire protocol. */
public interface Provider {

  /** Starts a call; what is streamed arrives through {@code deltas} (only when the request streams). */
  Call start(ProviderRequest request, Deltas deltas);

  /** The pieces of a streamed answer, in order. */
  interface Deltas {

    /** More of the answer's text. */
    void text(String text);

    /**
     * A piece of tool call {@code index} (from 0, in the answer's order): its id and name come with
     * its first piece (null after), its arguments (a JSON text) in pieces to concatenate.
     */
    void toolCall(int index, String id, String name, String arguments);
  }

  /** A call under way. */
  interface Call {

    Future<ProviderResult> result();

    /** Stops the call (client gone); the result fails as cancelled, keeping what was streamed. */
    void cancel();

    /** The text streamed so far, also after a failure. */
    String partialContent();

    /** Whether any text or tool call has been handed to the deltas: then the call must not be retried. */
    boolean streamedAny();

    /** Stops reading the provider's stream (the client is not keeping up); no-op when nothing streams. */
    default void pause() {
    }

    /** Reads the provider's stream again after {@link #pause()}. */
    default void resume() {
    }
  }
}
