package dev.parley.bus;

/** Page sizes of the list addresses (the Limit parameter of openapi.yaml). */
public final class Pages {

  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;

  private Pages() {
  }
}
