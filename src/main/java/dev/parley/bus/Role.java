package dev.parley.bus;

/** Who wrote a message. */
public enum Role implements Wire {
  SYSTEM("system"),
  USER("user"),
  ASSISTANT("assistant"),
  TOOL("tool");

  private final String wire;

  Role(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
