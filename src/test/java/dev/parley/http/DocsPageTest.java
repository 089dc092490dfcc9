package dev.parley.http;

import dev.parley.support.ParleyProcess;
import dev.parley.support.RawHttp;
import dev.parley.support.TestServices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /docs in a real headless browser (Debian's chromium), served by a Parley process that has no
 * locale at all (no LANG, no LC_*), where the JVM's default charset is US-ASCII.
 */
class DocsPageTest {

  private static String chromium() {
    for (String candidate : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
      if (new File(candidate).canExecute()) {
        return candidate;
      }
    }
    return null;
  }

  @Test
  @DisplayName("Swagger UI renders the operations with no locale set, every asset with an explicit UTF-8 charset")
  void docsRender() throws Exception {
    String browser = chromium();
    Assumptions.assumeTrue(browser != null, "no chromium on this machine (.ci/run installs it)");
    try (ParleyProcess node = ParleyProcess.start(Map.of("PARLEY_PG_URL", TestServices.freshDatabase()), true)) {
      for (String asset : new String[] {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/", "/openapi.yaml"}) {
        String type = RawHttp.send(node.port(), "GET", asset, Map.of(), null, 5_000).header("Content-Type");
        assertTrue(type != null && type.toLowerCase().contains("charset=utf-8"), asset + " is served as " + type);
      }
      Path profile = Files.createTempDirectory("parley-chromium");
      List<String> command = new ArrayList<>(List.of(browser, "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
          "--virtual-time-budget=15000", "--dump-dom", "http://127.0.0.1:" + node.port() + "/docs/"));
      ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
      builder.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
      Process process = builder.start();
      byte[] dom = process.getInputStream().readAllBytes();
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
      String html = new String(dom, StandardCharsets.UTF_8);
      for (String expected : new String[] {"opblock", "/v1/conversations/{conversation_id}/messages", "/v1/chat"}) {
        assertTrue(html.contains(expected), "the rendered page lists " + expected + ": "
            + html.substring(0, Math.min(html.length(), 2_000)));
      }
    }
  }
}
