package dev.parley.llm;

import dev.parley.llm.provider.SseParser;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseParserTest {

  @Test
  @DisplayName("Events split anywhere, even inside a UTF-8 character, parse whole; comments are skipped")
  void splitAnywhere() {
    String stream = ": hello\r\nevent: content_block_delta\r\ndata: {\"t\":\"h\u00e9\"}\r\n\r\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int split = 1; split < bytes.length; split++) {
      List<String> events = new ArrayList<>();
      SseParser parser = new SseParser((event, data) -> events.add(event + "|" + data));
      parser.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, 0, split)));
      parser.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, split, bytes.length)));
      assertEquals(List.of("content_block_delta|{\"t\":\"h\u00e9\"}", "message|line1\nline2", "message|[DONE]"), events,
          "split at " + split);
    }
  }
}
