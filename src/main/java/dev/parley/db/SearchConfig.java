package dev.parley.db;

import java.util.regex.Pattern;

/** The text search configuration's name, checked to be a plain identifier: it is written into SQL. */
public final class SearchConfig {

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private SearchConfig() {
  }

  public static String checked(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("search.config must be the name of a text search configuration (simple, "
          + "english, ...), not " + name);
    }
    return name;
  }
}
