package dev.parley.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.parley.client.Model;
import dev.parley.client.ParleyClient;
import dev.parley.client.ParleyServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LangChain4j's own MessageWindowChatMemory on a Parley-backed store, against a real Parley. */
class ParleyChatMemoryStoreTest {

  private static ParleyServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = ParleyServerProcess.start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  @DisplayName("A message window over Parley: the window slides, Parley keeps every message once, a new store sees it all")
  void windowOverParley() throws Exception {
    ParleyClient parley = server.client("lc4j-" + UUID.randomUUID());
    ChatMemory memory = MessageWindowChatMemory.builder().id("support-42").maxMessages(3)
        .chatMemoryStore(new ParleyChatMemoryStore(parley)).build();
    memory.add(SystemMessage.from("You are helpful."));
    for (int i = 1; i <= 4; i++) {
      memory.add(UserMessage.from("question " + i));
      memory.add(AiMessage.from("answer " + i));
    }
    List<ChatMessage> window = memory.messages();
    assertEquals(3, window.size(), window.toString());
    assertEquals(SystemMessage.from("You are helpful."), window.get(0), "the window keeps the system message");
    assertEquals(AiMessage.from("answer 4"), window.get(2));

    Model.Conversation conversation = parley.conversations().iterator().next();
    assertEquals("support-42", conversation.metadata().get("memory_id"));
    List<String> stored = new ArrayList<>();
    parley.messages(conversation.id()).forEach(m -> stored.add(m.content()));
    assertEquals(List.of("You are helpful.", "question 1", "answer 1", "question 2", "answer 2", "question 3",
        "answer 3", "question 4", "answer 4"), stored, "Parley has the whole history, each message once");

    // Another process (a new store) picks the memory up by its id.
    ChatMemory again = MessageWindowChatMemory.builder().id("support-42").maxMessages(3)
        .chatMemoryStore(new ParleyChatMemoryStore(parley)).build();
    assertEquals(window, again.messages());
    again.add(UserMessage.from("question 5"));
    again.add(UserMessage.from("question 5"));
    assertEquals(11, parley.conversation(conversation.id()).messageCount(), "a message said twice is stored twice");

    again.clear();
    assertTrue(new ParleyChatMemoryStore(parley).getMessages("support-42").isEmpty());
  }

  @Test
  @DisplayName("Tool calls and their results round-trip through Parley")
  void toolMessages() throws Exception {
    ParleyClient parley = server.client("lc4j-tools-" + UUID.randomUUID());
    ParleyChatMemoryStore store = new ParleyChatMemoryStore(parley);
    ToolExecutionRequest request = ToolExecutionRequest.builder().id("call_1").name("get_weather")
        .arguments("{\"city\":\"Oslo\"}").build();
    List<ChatMessage> messages = List.of(UserMessage.from("Weather in Oslo?"), AiMessage.from(request),
        ToolExecutionResultMessage.from(request, "3C"), AiMessage.from("It is 3C in Oslo."));
    store.updateMessages("tools", messages);
    assertEquals(messages, new ParleyChatMemoryStore(parley).getMessages("tools"));
  }
}
