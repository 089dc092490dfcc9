package dev.parley.llm.provider;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/** Incremental Server-Sent Events parser: feed it bytes as they come, get (event, data) per event. */
public final class SseParser {

  private final BiConsumer<String, String> onEvent;
  private final StringBuilder line = new StringBuilder();
  private final StringBuilder data = new StringBuilder();
  private byte[] pending = new byte[0];
  private String event;
  private boolean hasData;

  public SseParser(BiConsumer<String, String> onEvent) {
    this.onEvent = onEvent;
  }

  public void feed(Buffer chunk) {
    byte[] bytes = concat(pending, chunk.getBytes());
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
        line.setLength(0);
        line.append(new String(bytes, start, end - start, StandardCharsets.UTF_8));
        onLine(line.toString());
        start = i + 1;
      }
    }
    pending = java.util.Arrays.copyOfRange(bytes, start, bytes.length);
  }

  private void onLine(String text) {
    if (text.isEmpty()) {
      if (hasData || event != null) {
        onEvent.accept(event == null ? "message" : event, data.toString());
      }
      event = null;
      data.setLength(0);
      hasData = false;
      return;
    }
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if ("event".equals(field)) {
      event = value;
    } else if ("data".equals(field)) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    if (a.length == 0) {
      return b;
    }
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
