package dev.parley.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/** Reads Server-Sent Events: each event's name and JSON data, comments skipped. */
final class Sse {

  private Sse() {
  }

  static void read(Stream<String> lines, BiConsumer<String, JsonNode> onEvent) {
    String[] name = {"message"};
    StringBuilder data = new StringBuilder();
    lines.forEach(line -> {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          try {
            onEvent.accept(name[0], ParleyClient.JSON.readTree(data.toString()));
          } catch (IOException e) {
            throw new UncheckedIOException("an event that is not JSON", e);
          }
        }
        name[0] = "message";
        data.setLength(0);
      } else if (line.startsWith("event:")) {
        name[0] = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data.append(line.substring(5).stripLeading());
      }
    });
  }
}
