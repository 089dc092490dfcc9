package dev.parley.springai;

import dev.parley.client.Model;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spring AI's own MessageWindowChatMemory on a Parley-backed repository, against a real Parley. */
class ParleyChatMemoryRepositoryTest {

  private static ParleyServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = ParleyServerProcess.start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static List<String> stored(ParleyClient parley, String memoryId) {
    Model.Conversation conversation = null;
    for (Model.Conversation c : parley.conversations()) {
      if (memoryId.equals(c.metadata().get("memory_id"))) {
        conversation = c;
      }
    }
    List<String> contents = new ArrayList<>();
    parley.messages(conversation.id()).forEach(m -> contents.add(m.content()));
    return contents;
  }

  @Test
  @DisplayName("saveAll appends what is new: the window slides, Parley keeps every message once, ids are listed")
  void windowOverParley() throws Exception {
    ParleyClient parley = server.client("spring-" + UUID.randomUUID());
    ChatMemory memory = MessageWindowChatMemory.builder().chatMemoryRepository(new ParleyChatMemoryRepository(parley))
        .maxMessages(3).build();
    memory.add("c-1", new SystemMessage("Be kind."));
    for (int i = 1; i <= 3; i++) {
      memory.add("c-1", List.of(new UserMessage("q" + i), new AssistantMessage("a" + i)));
    }
    List<Message> window = memory.get("c-1");
    assertEquals(3, window.size(), window.toString());
    assertEquals(List.of("Be kind.", "q1", "a1", "q2", "a2", "q3", "a3"), stored(parley, "c-1"));
    ParleyChatMemoryRepository other = new ParleyChatMemoryRepository(parley);
    assertEquals(List.of("c-1"), other.findConversationIds());
    memory.clear("c-1");
    assertTrue(other.findByConversationId("c-1").isEmpty());
  }

  @Test
  @DisplayName("Two writers at once on one memory: both messages are kept, neither is lost, neither stored twice")
  void twoWriters() throws Exception {
    ParleyClient parley = server.client("spring-two-" + UUID.randomUUID());
    new ParleyChatMemoryRepository(parley).saveAll("shared", List.of(new UserMessage("hello"), new AssistantMessage("hi")));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 5; round++) {
        CyclicBarrier together = new CyclicBarrier(2);
        List<Future<?>> writers = new ArrayList<>();
        for (String who : List.of("A", "B")) {
          int r = round;
          writers.add(pool.submit(() -> {
            // Each writer is its own process: its own repository and memory over the same Parley conversation.
            ChatMemory memory = MessageWindowChatMemory.builder()
                .chatMemoryRepository(new ParleyChatMemoryRepository(parley)).maxMessages(4).build();
            List<Message> read = memory.get("shared");
            together.await();
            // What MessageWindowChatMemory.add does: read, add, save the window; both read the same history.
            List<Message> window = new ArrayList<>(read);
            window.add(new UserMessage(who + r));
            new ParleyChatMemoryRepository(parley).saveAll("shared", window);
            return null;
          }));
        }
        for (Future<?> w : writers) {
          w.get();
        }
      }
    } finally {
      pool.shutdown();
    }
    List<String> all = stored(parley, "shared");
    assertEquals(12, all.size(), all.toString());
    for (int round = 0; round < 5; round++) {
      assertEquals(1, all.stream().filter(("A" + round)::equals).count(), all.toString());
      assertEquals(1, all.stream().filter(("B" + round)::equals).count(), all.toString());
    }
  }
}
