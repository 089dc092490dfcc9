package dev.parley.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ports tests start servers on cannot be taken by the kernel for an outgoing connection meanwhile. */
class TestServicesTest {

  @Test
  @DisplayName("freePort is outside the kernel's ephemeral range and never the same twice")
  void portsOutsideTheEphemeralRange() {
    int[] ephemeral = TestServices.ephemeralRange();
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = TestServices.freePort();
      assertFalse(port >= ephemeral[0] && port <= ephemeral[1],
          port + " is in the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
      assertTrue(seen.add(port), port + " handed out twice");
    }
  }
}
