package dev.parley.store;

import dev.parley.bus.Problem;

import java.util.UUID;

/** Object ids: UUIDs. A malformed id names nothing, so it answers like a missing object. */
final class Ids {

  private Ids() {
  }

  static UUID conversation(Object id) {
    return parse(id, "The conversation");
  }

  /** A list cursor: malformed is a client error, not a missing object. */
  static UUID cursor(Object id, String pointer) {
    if (id == null) {
      return null;
    }
    try {
      return UUID.fromString(id.toString());
    } catch (IllegalArgumentException e) {
      throw Problem.invalid(pointer, "must be an object id");
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
