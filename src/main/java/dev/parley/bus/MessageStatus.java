package dev.parley.bus;

/** How a stored message ended; interrupted: a streamed answer that ended early. */
public enum MessageStatus implements Wire {
  COMPLETE("complete"),
  INTERRUPTED("interrupted");

  private final String wire;

  MessageStatus(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
