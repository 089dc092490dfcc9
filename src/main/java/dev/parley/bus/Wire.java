package dev.parley.bus;

/** A closed set of values that travels as a lower-case string ({@code token_budget}, {@code desc}, ...). */
public interface Wire {

  /** The value as it travels in JSON. */
  String wire();

  /** The constant of {@code type} whose wire value is {@code value}, or null. */
  static <E extends Enum<E> & Wire> E parse(Class<E> type, Object value) {
    for (E constant : type.getEnumConstants()) {
      if (constant.wire().equals(value)) {
        return constant;
      }
    }
    return null;
  }

  /** "a, b or c": the wire values of {@code type}, for messages. */
  static <E extends Enum<E> & Wire> String choices(Class<E> type) {
    E[] all = type.getEnumConstants();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < all.length; i++) {
      out.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].wire());
    }
    return out.toString();
  }
}
