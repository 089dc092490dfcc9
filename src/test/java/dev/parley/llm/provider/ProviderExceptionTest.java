package dev.parley.llm.provider;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProviderExceptionTest {

  @Test
  @DisplayName("Provider answers are classified: 5xx and 429 retryable, other 4xx not, context overflow and 529 recognised")
  void classification() {
    assertTrue(ProviderException.fromStatus(503, -1, "").retryable());
    ProviderException limited = ProviderException.fromStatus(429, 800, "");
    assertTrue(limited.retryable());
    assertEquals(800, limited.retryAfterMs());
    for (int status : new int[] {400, 401, 402, 403}) {
      assertFalse(ProviderException.fromStatus(status, -1, "").retryable(), "status " + status);
    }
    assertEquals(ProviderException.Kind.CONTEXT_TOO_LONG,
        ProviderException.fromStatus(400, -1, "{\"error\":{\"code\":\"context_length_exceeded\"}}").kind());
    assertEquals(ProviderException.Kind.OVERLOADED, ProviderException.fromStatus(529, -1, "").kind());
  }
}
