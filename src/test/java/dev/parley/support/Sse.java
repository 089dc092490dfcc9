package dev.parley.support;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** Parses a whole Server-Sent Events body, for assertions. */
public final class Sse {

  /** One event: its id, name and JSON data. */
  public record Event(String id, String name, JsonObject data) {
  }

  private Sse() {
  }

  public static List<Event> parse(String body) {
    List<Event> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      String id = null;
      String name = "message";
      StringBuilder data = new StringBuilder();
      boolean any = false;
      for (String line : block.split("\n")) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
          any = true;
        } else if (line.startsWith("event: ")) {
          name = line.substring(7);
          any = true;
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
          any = true;
        }
      }
      if (any) {
        events.add(new Event(id, name, data.length() == 0 ? null : new JsonObject(data.toString())));
      }
    }
    return events;
  }

  /** The concatenated content of the delta events. */
  public static String deltas(List<Event> events) {
    StringBuilder text = new StringBuilder();
    for (Event e : events) {
      if ("delta".equals(e.name())) {
        text.append(e.data().getString("content"));
      }
    }
    return text.toString();
  }
}
