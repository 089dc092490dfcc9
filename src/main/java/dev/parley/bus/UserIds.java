package dev.parley.bus;

/**
 * The rule for a user id, whether it came as a token's subject over HTTP or in the {@code user}
 * header of a bus request: a non-empty, valid Unicode string of at most {@code jwt.max_subject_chars}
 * code points without control characters. It owns everything the user stores, so two different
 * ids must never collapse into one.
 */
public final class UserIds {

  private UserIds() {
  }

  public static boolean valid(String user, int maxChars) {
    if (user == null || user.isEmpty() || user.codePointCount(0, user.length()) > maxChars) {
      return false;
    }
    for (int i = 0; i < user.length(); i++) {
      char c = user.charAt(i);
      if (Character.isISOControl(c)) {
        return false;
      }
      if (Character.isHighSurrogate(c) && i + 1 < user.length() && Character.isLowSurrogate(user.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
