package dev.parley.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class TestServicesTest {

  @Test
  @DisplayName("The test Redis answers PING")
  void redisAnswers() throws Exception {
    assertEquals("+PONG", TestServices.redisPing());
  }

  @Test
  @DisplayName("Each fresh database is a new one")
  void freshDatabases() {
    assertNotEquals(TestServices.freshDatabase(), TestServices.freshDatabase());
  }
}
