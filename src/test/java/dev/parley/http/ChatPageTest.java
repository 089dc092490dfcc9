package dev.parley.http;

import dev.parley.support.ChatFixtures;
import dev.parley.support.FakeProvider;
import dev.parley.support.FaultyProxy;
import dev.parley.support.Http;
import dev.parley.support.RawHttp;
import dev.parley.support.TestServer;
import dev.parley.support.TestServices;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat page at / in a real headless browser (Debian's chromium, driven through chromedriver),
 * against a real node on real PostgreSQL whose model is a fake provider speaking OpenAI's wire
 * protocol over HTTP. Screenshots land in target/chat-page/.
 */
class ChatPageTest {

  private static final Path SHOTS = Path.of("target", "chat-page");

  private static FakeProvider fake;
  private static TestServer server;
  private static WebDriver browser;
  private static String base;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute() && new File("/usr/bin/chromedriver").canExecute(),
        "no chromium and chromedriver on this machine (.ci/run installs them)");
    fake = new FakeProvider();
    server = TestServer.start(ChatFixtures.env(fake, Map.of("PARLEY_LLM_TOTAL_TIMEOUT_MS", "60000",
        "PARLEY_JWT_LEEWAY_SECONDS", "0", "PARLEY_REDIS_URL", TestServices.redisUrl())));
    base = "http://127.0.0.1:" + server.port() + "/";
    ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments("--headless=new",
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=en-US",
        "--window-size=1280,800", "--force-prefers-reduced-motion");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    Files.createDirectories(SHOTS);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  @BeforeEach
  void freshPage() {
    fake.reset();
    browser.get(base + "ui/parley.svg"); // same origin, no script of the page's that could sign in meanwhile
    js("localStorage.clear();");
    browser.get(base);
    visible("#signin-form");
  }

  @Test
  @DisplayName("Sign in: a refused token is said so; a user sees only their own conversations; it survives a reload; sign out forgets the token")
  void signIn() throws Exception {
    String user = user();
    Http.as(server, user).newConversation(new JsonObject().put("title", "Mine, the first"));
    Http.as(server, user).newConversation(new JsonObject().put("title", "Mine, the second"));
    Http.as(server, user()).newConversation(new JsonObject().put("title", "Somebody else's"));

    screenshot("sign-in.png");
    type("#token-input", "not-a-token");
    click("button[type=submit]");
    assertTrue(visible("#signin-error").getText().contains("refused"), visible("#signin-error").getText());
    assertTrue(hidden("app"));

    signInAs(user);
    assertEquals(List.of("Mine, the second", "Mine, the first"), conversationTitles());
    assertEquals(user, text("#who"));

    browser.navigate().refresh();
    waitFor(() -> conversationTitles().size() == 2, "the list after a reload");
    assertEquals(user, text("#who"));

    click("#signout");
    visible("#signin-form");
    assertNull(js("return localStorage.getItem('parley.token');"));
    assertNoPageErrors();
  }

  @Test
  @DisplayName("Chat: the answer streams into the page as the model writes it; Stop ends a turn and keeps what was written")
  void streamAndStop() throws Exception {
    String user = user();
    List<String> pieces = List.of("Tides ", "follow ", "the ", "moon's ", "**pull**:\n```\n", "tide --moon <b>\n```");
    fake.then(call -> call.reply(pieces, 400, -1));
    signInAs(user);

    type("#message-input", "Why are there tides?");
    browser.findElement(By.id("message-input")).sendKeys(Keys.ENTER);
    waitFor(() -> lastAnswer().contains("Tides"), "the first piece of the answer");
    int sentWhenSeen = fake.lastCall().piecesSent.get();
    assertTrue(sentWhenSeen < pieces.size(), "the page showed text before the model had finished (pieces sent: " + sentWhenSeen + ")");
    assertTrue(visible("#stop").isDisplayed());
    waitFor(() -> browser.findElements(By.cssSelector("#messages .message.streaming")).isEmpty(), "the end of the turn");
    assertEquals("pull", text("#messages .message.assistant .content strong"), "bold, rendered once the answer is complete");
    assertEquals("tide --moon <b>", text("#messages .message.assistant .content pre.code code"), "a code block, its markup as text");

    String conversation = currentConversation();
    waitFor(() -> conversationTitles().size() == 1, "the new conversation in the list");
    JsonArray stored = Http.as(server, user).get("/v1/conversations/" + conversation + "/messages").bodyAsJsonObject().getJsonArray("data");
    assertEquals(List.of("Why are there tides?", String.join("", pieces)),
        stored.stream().map(m -> ((JsonObject) m).getString("content")).collect(Collectors.toList()));

    List<String> many = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      many.add("word" + i + " ");
    }
    fake.then(call -> call.reply(many, 200, -1));
    type("#message-input", "Tell me more");
    click("#send");
    waitFor(() -> lastAnswer().contains("word1 "), "the long answer to start");
    click("#stop");
    waitFor(() -> !browser.findElements(By.cssSelector("#messages .message.assistant .badge")).isEmpty(), "the stopped badge");
    assertEquals("stopped", text("#messages .message.assistant:last-child .badge"), "the stopped answer is the last message");
    assertTrue(hidden("stop"), "Stop is hidden after the turn");
    assertTrue(browser.findElement(By.id("send")).isEnabled());
    JsonObject answer = lastStored(user, conversation);
    assertEquals("interrupted", answer.getString("status"));
    assertTrue(answer.getString("content").startsWith("word0 word1 "), answer.getString("content"));
    assertTrue(fake.lastCall().piecesSent.get() < many.size(), "the model call was stopped");
    assertEquals(answer.getString("content").strip(), lastAnswer().strip(), "the page shows what was stored");
    screenshot("chat-streamed.png");
    assertNoPageErrors();
  }

  @Test
  @DisplayName("A connection lost mid-answer: the page follows the turn again after the last event it saw, and the answer arrives whole, once")
  void connectionLost() {
    String user = user();
    List<String> pieces = pieces(30);
    fake.then(call -> call.reply(pieces, 100, -1));
    try (FaultyProxy proxy = loseConnectionMidAnswer(server, user)) {
      assertEquals(String.join("", pieces).strip(), lastAnswer().strip());
      assertEquals("", text("#banner"));
      JsonObject stored = lastStored(user, currentConversation());
      assertEquals(String.join("", pieces), stored.getString("content"));
      assertEquals("complete", stored.getString("status"));
      assertEquals(1, fake.chatCalls().size(), "one model call: the turn went on, none started again");
      assertNoPageErrors();
    }
  }

  @Test
  @DisplayName("A connection lost mid-answer on a node without Redis (the turn ends there): the page shows the answer as stored")
  void connectionLostWithoutTurnLog() {
    String user = user();
    List<String> pieces = pieces(30);
    fake.then(call -> call.reply(pieces, 100, -1));
    try (TestServer plain = TestServer.start(ChatFixtures.env(fake, Map.of("PARLEY_LLM_TOTAL_TIMEOUT_MS", "60000")));
         FaultyProxy proxy = loseConnectionMidAnswer(plain, user)) {
      JsonObject stored = lastStored(plain, user, currentConversation());
      assertEquals("interrupted", stored.getString("status"));
      assertTrue(stored.getString("content").startsWith("part0 part1 part2 "), stored.getString("content"));
      assertEquals(stored.getString("content").strip(), lastAnswer().strip(), "the page shows what was stored");
      assertEquals("stopped", text("#messages .message.assistant:last-child .badge"));
      assertEquals("", text("#banner"));
      assertNoPageErrors();
    }
  }

  /**
   * Signs in through a proxy to {@code node}, sends a message and breaks every connection once the
   * answer started; returns once the page has settled the turn (the proxy stays up for what follows).
   */
  private FaultyProxy loseConnectionMidAnswer(TestServer node, String user) {
    FaultyProxy proxy = new FaultyProxy("127.0.0.1", node.port());
    browser.get("http://127.0.0.1:" + proxy.port() + "/");
    signInAs(user);
    type("#message-input", "Count for me");
    click("#send");
    waitFor(() -> lastAnswer().contains("part2 "), "the answer to start");
    proxy.mode(FaultyProxy.Mode.DROP);
    proxy.mode(FaultyProxy.Mode.PASS);
    waitFor(() -> browser.findElements(By.cssSelector("#messages .message.streaming")).isEmpty()
        && text("#conversation-meta").startsWith("2 messages"), "the end of the turn, and the page's reload of the conversation");
    return proxy;
  }

  private static List<String> pieces(int n) {
    List<String> pieces = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pieces.add("part" + i + " ");
    }
    return pieces;
  }

  @Test
  @DisplayName("Search: hits show their snippet with the match marked and markup as text; a hit opens its conversation at the message")
  // PostgreSQL's snippets drop whole tags but keep an unclosed one: in HTML it would become an
  // element with the match's <mark> as an attribute, and its onerror would run.
  void search() {
    String user = user();
    Http http = Http.as(server, user);
    String trip = http.newConversation(new JsonObject().put("title", "Trip to Tromsø").put("messages", new JsonArray()
        .add(ChatFixtures.userMessage("Where can I see the aurora <img src=x onerror=window.hacked=1 borealis in March?"))
        .add(new JsonObject().put("role", "assistant").put("content", "Tromsø, away from the city lights."))));
    http.newConversation(new JsonObject().put("title", "Groceries").put("messages", new JsonArray()
        .add(ChatFixtures.userMessage("Milk, eggs and flour"))));
    signInAs(user);

    type("#search-input", "borealis");
    WebElement hit = visible("#search-results a.item");
    assertEquals("borealis", hit.findElement(By.tagName("mark")).getText());
    assertTrue(hit.getText().contains("<img src=x"), "markup in a message is shown as text: " + hit.getText());
    assertTrue(browser.findElements(By.cssSelector("#search-results img")).isEmpty());
    assertEquals(1, browser.findElements(By.cssSelector("#search-results a.item")).size());
    assertTrue(hidden("conversations"));

    hit.click();
    waitFor(() -> trip.equals(currentConversation()), "the hit's conversation to open");
    assertEquals("Trip to Tromsø", text("#conversation-title"));
    WebElement found = visible("#messages .message.found");
    assertTrue(found.getText().contains("<img src=x onerror=window.hacked=1 borealis"), found.getText());
    assertNull(js("return window.hacked === undefined ? null : 'script ran';"));

    browser.findElement(By.id("search-input")).sendKeys(Keys.ESCAPE);
    waitFor(() -> conversationTitles().size() == 2, "the conversation list back");
    assertNoPageErrors();
  }

  @Test
  @DisplayName("Context: the dry run shows what the next turn would send with the chosen model, and marks the messages left out")
  void contextDryRun() throws Exception {
    String user = user();
    Http http = Http.as(server, user);
    http.newConversation(new JsonObject().put("title", "Sourdough starter schedule").put("messages", new JsonArray()
        .add(ChatFixtures.userMessage("How often should I feed a sourdough starter kept in the fridge?"))));
    http.newConversation(new JsonObject().put("title", "Postgres vacuum settings").put("messages", new JsonArray()
        .add(ChatFixtures.userMessage("When does autovacuum run on a table with many updates?"))));
    String[] talk = {
        "We are planning a week in Lisbon in April with two kids, aged six and nine. Which neighbourhoods are easy to "
            + "stay in without a car, and close to trams or the metro?",
        "Baixa and Chiado are central and flat by Lisbon standards, with the metro and tram 28 nearby. Príncipe Real "
            + "is calmer, with a playground garden. Parque das Nações is modern, flat and next to the Oceanarium.",
        "The Oceanarium sounds perfect. How long should we plan for it, and is it better to go in the morning or "
            + "in the afternoon on a weekday in April?",
        "Plan two to three hours. Weekday mornings right at opening are quietest; school groups arrive around ten. "
            + "Book tickets online the day before, and combine it with the cable car along the river afterwards.",
        "Can we do a day trip to Sintra by train with the kids? Which palace is the most fun for children, "
            + "and how do we avoid the longest queues up the hill?",
        "Yes: trains leave Rossio every twenty minutes and take forty minutes. Pena Palace is the most colourful, "
            + "but Quinta da Regaleira with its initiation well and tunnels is what children remember. Go early.",
        "What should we eat? The kids are not adventurous, but we would like to try pastéis de nata and some "
            + "grilled fish somewhere that is not a tourist trap.",
        "Pastéis de Belém for the classic tart, Manteigaria in Chiado for a warm one. For grilled fish, the "
            + "tascas in Alfama or the Time Out Market, where everyone can choose something they like.",
    };
    JsonArray history = new JsonArray();
    for (int i = 0; i < talk.length; i++) {
      history.add(new JsonObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", talk[i]));
    }
    String conversation = http.newConversation(new JsonObject().put("title", "A week in Lisbon with kids").put("messages", history));
    signInAs(user);
    click("#conversations a.item[data-id='" + conversation + "']");
    waitFor(() -> browser.findElements(By.cssSelector("#messages .message")).size() == 8, "the history");

    new Select(browser.findElement(By.id("model-select"))).selectByValue("tiny");
    click("#toggle-context");
    waitFor(() -> !browser.findElements(By.cssSelector("#context-table tbody tr")).isEmpty(), "the dry run");
    JsonObject expected = Http.as(server, user).post("/v1/conversations/" + conversation + "/context",
        new JsonObject().put("model", "tiny")).bodyAsJsonObject();
    assertTrue(expected.getInteger("messages_dropped") > 0, expected.encode());
    assertEquals(expected.getInteger("messages_included"),
        browser.findElements(By.cssSelector("#context-table tbody tr")).size());
    assertEquals(expected.getInteger("messages_dropped"),
        browser.findElements(By.cssSelector("#messages .message.not-sent")).size());
    String summary = text("#context-summary");
    assertTrue(summary.contains("tiny") && summary.contains("token budget")
        && summary.contains(expected.getInteger("prompt_tokens") + " tokens"), summary);
    type("#message-input", "And one rainy-day plan, please?");
    click("#context-refresh");
    waitFor(() -> text("#context-summary").contains("Your draft"), "the draft counted");
    screenshot("chat-context.png");

    new Select(browser.findElement(By.id("model-select"))).selectByValue("fake-gpt");
    waitFor(() -> browser.findElements(By.cssSelector("#messages .message.not-sent")).isEmpty(), "everything fits the larger model");
    assertEquals(8, browser.findElements(By.cssSelector("#context-table tbody tr")).size());
    assertNoPageErrors();
  }

  @Test
  @DisplayName("Rename and delete: both reach the server; a cancelled delete keeps the conversation")
  void renameAndDelete() {
    String user = user();
    String conversation = Http.as(server, user).newConversation(new JsonObject().put("title", "Draft").put("messages",
        new JsonArray().add(ChatFixtures.userMessage("Hello"))));
    signInAs(user);
    click("#conversations a.item");
    waitFor(() -> conversation.equals(currentConversation()), "the conversation to open");

    click("#rename");
    WebElement input = visible("#rename-input");
    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), "Plans for spring", Keys.ENTER);
    waitFor(() -> "Plans for spring".equals(text("#conversation-title")), "the new title");
    assertEquals(List.of("Plans for spring"), conversationTitles());
    assertEquals("Plans for spring", Http.as(server, user).get("/v1/conversations/" + conversation).bodyAsJsonObject().getString("title"));

    click("#delete");
    visible("#confirm-delete");
    click("#confirm-delete button[value=cancel]");
    assertEquals(200, Http.as(server, user).get("/v1/conversations/" + conversation).statusCode());
    assertEquals(List.of("Plans for spring"), conversationTitles());

    click("#delete");
    click("#confirm-delete-yes");
    waitFor(() -> conversationTitles().isEmpty(), "the conversation to leave the list");
    assertEquals("New chat", text("#conversation-title"));
    assertEquals(404, Http.as(server, user).get("/v1/conversations/" + conversation).statusCode());
    assertNoPageErrors();
  }

  @Test
  @DisplayName("Regenerate: a new answer to the last message replaces the old one on the page; the old one stays on its branch")
  void regenerate() {
    String user = user();
    fake.then(call -> call.reply(List.of("Blue", "."), 50, -1));
    signInAs(user);
    type("#message-input", "Name a colour");
    click("#send");
    waitFor(() -> "Blue.".equals(lastAnswer().strip()) && !text("#messages .message.assistant .tokens").isEmpty(),
        "the first answer, stored");
    fake.then(call -> call.reply(List.of("Green", "."), 50, -1));
    click("#regenerate");
    waitFor(() -> "Green.".equals(lastAnswer().strip()) && browser.findElements(By.cssSelector(".message.streaming")).isEmpty(),
        "the new answer");
    assertEquals(List.of("Name a colour", "Green."), messageTexts());
    String conversation = currentConversation();
    Http http = Http.as(server, user);
    assertEquals(List.of("Name a colour", "Green."), contents(http.get("/v1/conversations/" + conversation + "/messages")));
    assertEquals(List.of("Name a colour", "Blue."), contents(http.get("/v1/conversations/" + conversation + "/messages?branch=0")));
    assertEquals("Name a colour", fake.lastCall().messages().getJsonObject(fake.lastCall().messages().size() - 1)
        .getString("content"), "the regenerate answered the same question");
    assertTrue(visible("#regenerate").isEnabled(), "the new answer can be regenerated again");
    assertNoPageErrors();
  }

  @Test
  @DisplayName("Edit: the last question, changed, goes on from its parent on a branch of its own; the old version stays on branch 0")
  void edit() throws Exception {
    String user = user();
    fake.then(call -> call.reply("Hello."));
    fake.then(call -> call.reply("Rome."));
    signInAs(user);
    type("#message-input", "Hi");
    click("#send");
    waitFor(() -> "Hello.".equals(lastAnswer().strip()) && browser.findElements(By.cssSelector(".message.streaming")).isEmpty(),
        "the first answer");
    assertTrue(browser.findElements(By.cssSelector("#messages .edit")).isEmpty(), "a first message has nothing to branch from");
    type("#message-input", "Plan a trip to Rome");
    click("#send");
    waitFor(() -> "Rome.".equals(lastAnswer().strip()) && messageTexts().size() == 4
        && browser.findElements(By.cssSelector("#messages .message.user .edit")).size() == 1, "the second answer");

    click("#messages .message.user:nth-last-child(2) .edit");
    assertEquals("Plan a trip to Rome", browser.findElement(By.id("message-input")).getAttribute("value"));
    visible("#editing");
    screenshot("chat-editing.png");
    fake.then(call -> call.reply("Paris."));
    type("#message-input", "Plan a trip to Paris");
    click("#send");
    waitFor(() -> "Paris.".equals(lastAnswer().strip()) && browser.findElements(By.cssSelector(".message.streaming")).isEmpty(),
        "the edited question's answer");
    assertEquals(List.of("Hi", "Hello.", "Plan a trip to Paris", "Paris."), messageTexts());
    assertTrue(hidden("editing"));
    Http http = Http.as(server, user);
    String conversation = currentConversation();
    assertEquals(List.of("Hi", "Hello.", "Plan a trip to Paris", "Paris."),
        contents(http.get("/v1/conversations/" + conversation + "/messages")));
    assertEquals(List.of("Hi", "Hello.", "Plan a trip to Rome", "Rome."),
        contents(http.get("/v1/conversations/" + conversation + "/messages?branch=0")));
    assertFalse(fake.lastCall().promptText().contains("Rome"), "the model did not see the old version");
    assertNoPageErrors();
  }

  @Test
  @DisplayName("Guest: chat without a token; signing in later moves the guest's conversations to the account")
  void guestThenSignIn() {
    String user = user();
    click("#guest");
    waitFor(() -> "Guest".equals(text("#who")), "signed in as a guest");
    assertEquals("Sign in", text("#signout"));
    type("#message-input", "Hello as a guest");
    click("#send");
    waitFor(() -> lastAnswer().contains("Hello from the fake model.") && conversationTitles().size() == 1, "the guest's answer");
    String conversation = currentConversation();

    click("#signout");
    visible("#signin-form");
    signInAs(user);
    waitFor(() -> text("#banner").contains("1 conversation from your guest visit is now in your account"), "the claim");
    assertEquals(List.of("Hello as a guest"), conversationTitles());
    assertEquals(200, Http.as(server, user).get("/v1/conversations/" + conversation).statusCode(), "the user owns it now");
    assertNull(js("return localStorage.getItem('parley.guest');"));
    assertNoPageErrors();
  }

  private static List<String> contents(io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> page) {
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("content"))
        .collect(Collectors.toList());
  }

  @Test
  @DisplayName("Long lists page: more conversations on demand, earlier messages above the newest ones in order")
  void longListsPage() {
    String user = user();
    Http http = Http.as(server, user);
    String longest = null;
    for (int i = 0; i < 33; i++) {
      longest = http.newConversation(new JsonObject().put("title", "Conversation " + i));
    }
    for (int batch = 0; batch < 3; batch++) {
      JsonArray messages = new JsonArray();
      for (int i = 0; i < 20; i++) {
        int n = batch * 20 + i + 1;
        messages.add(new JsonObject().put("role", n % 2 == 1 ? "user" : "assistant").put("content", "Line " + n));
      }
      assertEquals(201, http.post("/v1/conversations/" + longest + "/messages", new JsonObject().put("messages", messages)).statusCode());
    }
    signInAs(user);
    assertEquals(30, conversationTitles().size());
    click("#more-conversations");
    waitFor(() -> conversationTitles().size() == 33, "the second page of conversations");
    assertTrue(hidden("more-conversations"));
    assertEquals("Conversation 0", conversationTitles().get(32));

    click("#conversations a.item[data-id='" + longest + "']");
    waitFor(() -> messageTexts().size() == 50, "the newest 50 messages");
    assertEquals("Line 11", messageTexts().get(0));
    assertEquals("Line 60", messageTexts().get(49));
    click("#earlier");
    waitFor(() -> messageTexts().size() == 60, "the earlier messages");
    List<String> expected = new ArrayList<>();
    for (int n = 1; n <= 60; n++) {
      expected.add("Line " + n);
    }
    assertEquals(expected, messageTexts());
    assertTrue(hidden("earlier"));
    assertNoPageErrors();
  }

  @Test
  @DisplayName("Failures: a provider error is shown (no secret in it) and the question stays; an expired token returns to sign-in")
  void failures() throws Exception {
    String user = user();
    for (int i = 0; i < 3; i++) { // every attempt of the LLM verticle
      fake.then(call -> call.status(500, null, new JsonObject().put("error",
          new JsonObject().put("message", "upstream exploded for key sk-test-openai-canary"))));
    }
    signInAs(user);
    type("#message-input", "Is anybody there?");
    click("#send");
    String banner = visible("#banner").getText();
    assertFalse(banner.isBlank());
    assertFalse(banner.contains("canary") || banner.contains("sk-"), banner);
    waitFor(() -> !browser.findElements(By.cssSelector("#messages .message.assistant.failed")).isEmpty(), "the failed answer");
    assertEquals("Is anybody there?", text("#messages .message.user .content"));
    String conversation = currentConversation();
    assertEquals("Is anybody there?", lastStored(user, conversation).getString("content"), "the question is kept");
    assertTrue(browser.findElement(By.id("send")).isEnabled());

    // deleted on another device while open here: refused before anything is stored, the text is kept
    assertEquals(204, Http.as(server, user).delete("/v1/conversations/" + conversation).statusCode());
    type("#message-input", "Hello again");
    click("#send");
    waitFor(() -> text("#banner").contains("deleted"), "the conversation is gone");
    assertEquals("New chat", text("#conversation-title"));
    assertEquals("Hello again", browser.findElement(By.id("message-input")).getAttribute("value"));
    assertTrue(conversationTitles().isEmpty(), conversationTitles().toString());
    click("#send");
    waitFor(() -> lastAnswer().contains("Hello from the fake model."), "the answer in a new conversation");
    assertFalse(conversation.equals(currentConversation()));
    assertEquals(List.of("Hello again"), conversationTitles());

    click("#signout");
    String shortLived = server.sign(new JsonObject(), new io.vertx.ext.auth.JWTOptions().setSubject(user).setExpiresInSeconds(2));
    type("#token-input", shortLived);
    click("button[type=submit]");
    waitFor(() -> user.equals(text("#who")), "signed in");
    Thread.sleep(2_500);
    type("#message-input", "Still there?");
    click("#send");
    assertTrue(visible("#signin-error").getText().contains("Sign in again"), text("#signin-error"));
    assertNull(js("return localStorage.getItem('parley.token');"));
    assertNoPageErrors();
  }

  @Test
  @DisplayName("The page and its assets carry a strict Content-Security-Policy; PARLEY_HTTP_CHAT_PAGE=false turns the page off")
  void headersAndSwitch() throws Exception {
    for (String path : new String[] {"/", "/ui/app.js", "/ui/app.css"}) {
      RawHttp.Response response = RawHttp.send(server.port(), "GET", path, Map.of(), null, 5_000);
      assertEquals(200, response.status(), path);
      assertEquals(ChatPage.POLICY, response.header("Content-Security-Policy"), path);
      assertEquals("nosniff", response.header("X-Content-Type-Options"), path);
      assertTrue(response.header("Content-Type").toLowerCase().contains("charset=utf-8"), path);
    }
    try (TestServer off = TestServer.start(Map.of("PARLEY_HTTP_CHAT_PAGE", "false"))) {
      assertEquals(404, RawHttp.send(off.port(), "GET", "/", Map.of(), null, 5_000).status());
      assertEquals(404, RawHttp.send(off.port(), "GET", "/ui/app.js", Map.of(), null, 5_000).status());
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static String user() {
    return "page-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private void signInAs(String user) {
    type("#token-input", server.token(user));
    click("button[type=submit]");
    visible("#app");
    waitFor(() -> user.equals(text("#who")), "signed in as " + user);
  }

  private static Object js(String script) {
    return ((JavascriptExecutor) browser).executeScript(script);
  }

  private static WebDriverWait await() {
    return new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(50));
  }

  private static void waitFor(java.util.function.BooleanSupplier condition, String what) {
    await().withMessage(what).until(d -> condition.getAsBoolean());
  }

  private static WebElement visible(String css) {
    return await().withMessage(css).until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
    });
  }

  private static void click(String css) {
    WebElement element = await().withMessage(css + " clickable").until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return !found.isEmpty() && found.get(0).isDisplayed() && found.get(0).isEnabled() ? found.get(0) : null;
    });
    element.click();
  }

  private static void type(String css, String text) {
    WebElement element = visible(css);
    element.clear();
    element.sendKeys(text);
  }

  /** The rendered text of the first match, read in one step (the page re-renders lists as it goes). */
  private static String text(String css) {
    Object text = ((JavascriptExecutor) browser).executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';", css);
    return (String) text;
  }

  @SuppressWarnings("unchecked")
  private static List<String> conversationTitles() {
    return (List<String>) js("return Array.from(document.querySelectorAll('#conversations a.item .item-title'), e => e.innerText);");
  }

  @SuppressWarnings("unchecked")
  private static List<String> messageTexts() {
    return (List<String>) js("return Array.from(document.querySelectorAll('#messages .message .content'), e => e.innerText);");
  }

  /** Whether the element with this id carries the hidden attribute. */
  private static boolean hidden(String id) {
    return browser.findElement(By.id(id)).getAttribute("hidden") != null;
  }

  private static String currentConversation() {
    Object hash = js("return location.hash;");
    return hash instanceof String s && s.startsWith("#c=") ? s.substring(3) : null;
  }

  private static String lastAnswer() {
    return (String) js("const all = document.querySelectorAll('#messages .message.assistant .content');"
        + " return all.length ? all[all.length - 1].innerText : '';");
  }

  private static JsonObject lastStored(String user, String conversation) {
    return lastStored(server, user, conversation);
  }

  private static JsonObject lastStored(TestServer node, String user, String conversation) {
    JsonArray page = Http.as(node, user).get("/v1/conversations/" + conversation + "/messages?order=desc&limit=1")
        .bodyAsJsonObject().getJsonArray("data");
    return page.getJsonObject(0);
  }

  private static void screenshot(String name) throws Exception {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Script errors and Content-Security-Policy refusals the browser logged (failed requests aside). */
  private static void assertNoPageErrors() {
    List<String> errors = new ArrayList<>();
    for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
      String message = entry.getMessage();
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && !message.contains("Failed to load resource")) {
        errors.add(message);
      }
    }
    assertTrue(errors.isEmpty(), "the browser logged errors: " + errors);
  }
}
