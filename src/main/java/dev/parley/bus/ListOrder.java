package dev.parley.bus;

/** The order of a page of messages. */
public enum ListOrder implements Wire {
  ASC("asc"),
  DESC("desc");

  private final String wire;

  ListOrder(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
