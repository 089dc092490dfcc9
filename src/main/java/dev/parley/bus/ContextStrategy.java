package dev.parley.bus;

/** How a chat turn picks the history it sends to the model. */
public enum ContextStrategy implements Wire {
  TOKEN_BUDGET("token_budget"),
  LAST_N("last_n"),
  SUMMARY("summary");

  private final String wire;

  ContextStrategy(String wire) {
    this.wire = wire;
  }

  @Override
  public String wire() {
    return wire;
  }
}
