package dev.parley.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TitlesTest {

  @Test
  @DisplayName("Short text is the title, whitespace collapsed and trimmed")
  void shortText() {
    assertEquals("Hello there", Titles.fromText("  Hello \n\t there  "));
    assertNull(Titles.fromText("   "));
  }

  @Test
  @DisplayName("Long text is cut at the last word boundary within 50 characters")
  void cutAtWord() {
    String title = Titles.fromText("How do I keep my sourdough starter alive while travelling for two weeks?");
    assertEquals("How do I keep my sourdough starter alive while", title);
  }

  @Test
  @DisplayName("A word ending exactly at 50 characters is kept whole")
  void exactBoundary() {
    String fifty = "a".repeat(20) + " " + "b".repeat(29);
    assertEquals(fifty, Titles.fromText(fifty + " more words"));
  }

  @Test
  @DisplayName("One endless word is cut at 50 characters, never inside a surrogate pair")
  void endlessWord() {
    assertEquals("x".repeat(50), Titles.fromText("x".repeat(80)));
    String emoji = "\uD83C\uDF55".repeat(60);
    String title = Titles.fromText(emoji);
    assertEquals(50, title.codePointCount(0, title.length()));
  }
}
