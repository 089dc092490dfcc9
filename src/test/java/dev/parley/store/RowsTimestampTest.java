package dev.parley.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RowsTimestampTest {

  private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'");

  @Test
  @DisplayName("Timestamps print exactly as the formatter prints them, in UTC, with microseconds")
  void sameAsTheFormatter() {
    Random random = new Random(20261125);
    for (int i = 0; i < 20_000; i++) {
      long seconds = random.nextLong() % 253_402_300_799L;
      OffsetDateTime time = OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(Math.abs(seconds),
          random.nextInt(1_000_000) * 1_000L), ZoneOffset.ofHours(random.nextInt(25) - 12));
      assertEquals(time.withOffsetSameInstant(ZoneOffset.UTC).format(REFERENCE), Rows.timestamp(time));
    }
    OffsetDateTime edge = OffsetDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC);
    assertEquals("9999-12-31T23:59:59.999999Z", Rows.timestamp(edge));
    assertEquals("0001-01-01T00:00:00.000000Z", Rows.timestamp(OffsetDateTime.of(1, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)));
  }
}
