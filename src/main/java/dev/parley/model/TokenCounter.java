package dev.parley.model;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;

/**
 * Counts tokens with jtokkit. Counts are taken once, when a message is written, and stored, so
 * context assembly never re-tokenises history. Thread-safe; the encodings load once per process.
 */
public final class TokenCounter {

  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  private final Encoding encoding;

  private TokenCounter(Encoding encoding) {
    this.encoding = encoding;
  }

  /** @param encodingName a jtokkit encoding name, e.g. cl100k_base or o200k_base */
  public static TokenCounter create(String encodingName) {
    return new TokenCounter(REGISTRY.getEncoding(encodingName)
        .orElseThrow(() -> new IllegalArgumentException("Unknown token encoding " + encodingName)));
  }

  public int count(String text) {
    return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
  }
}
