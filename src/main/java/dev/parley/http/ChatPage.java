package dev.parley.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The chat page at {@code /} and its assets at {@code /ui/*}: plain HTML, CSS and JavaScript from the
 * jar (classpath {@code chat-page/}) on the public API, nothing fetched from elsewhere. A strict
 * Content-Security-Policy allows only this origin's scripts, styles and API; the files are small
 * and revalidated on every load, so an upgraded node serves its own page at once.
 */
final class ChatPage {

  static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private ChatPage() {
  }

  static void mount(Router router) {
    StaticHandler files = StaticHandler.create("chat-page").setCachingEnabled(false)
        .setDefaultContentEncoding("UTF-8").setDirectoryListing(false);
    router.get("/").handler(ChatPage::headers).handler(files);
    router.get("/ui/*").handler(ChatPage::headers).handler(files);
  }

  private static void headers(RoutingContext rc) {
    rc.response()
        .putHeader("Content-Security-Policy", POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache");
    rc.next();
  }
}
