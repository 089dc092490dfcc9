package dev.parley.store;

import dev.parley.bus.Problem;

import java.util.UUID;

/**
 * Object ids in internal requests: UUIDs. A malformed conversation id names nothing, so it answers
 * like a missing object; any other malformed id member is a 400. (Public requests are parsed by
 * {@code bus.Requests}.)
 */
final class Ids {

  private Ids() {
  }

  static UUID conversation(Object id) {
    return parse(id, "The conversation");
  }

  /** A UUID member of an internal request; 400 naming it when it is not one. */
  static UUID member(Object value, String name) {
    try {
      return UUID.fromString(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw Problem.invalid("/" + name, name + " must be a UUID");
    }
  }

  private static UUID parse(Object id, String what) {
    if (id instanceof String s && s.length() == 36) {
      try {
        return UUID.fromString(s);
      } catch (IllegalArgumentException e) {
        // falls through to not found
      }
    }
    throw Problem.notFound(what);
  }
}
