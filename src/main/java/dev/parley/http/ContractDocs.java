package dev.parley.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * Serves the contract at /openapi.yaml and Swagger UI (from the swagger-ui webjar) at /docs, every
 * text asset with an explicit UTF-8 charset.
 */
final class ContractDocs {

  private static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/5.20.0";
  private static final String INDEX = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
        <meta charset="UTF-8">
        <title>Parley API</title>
        <link rel="stylesheet" href="/docs/swagger-ui.css">
      </head>
      <body>
        <div id="swagger-ui"></div>
        <script src="/docs/swagger-ui-bundle.js"></script>
        <script>
          window.ui = SwaggerUIBundle({ url: '/openapi.yaml', dom_id: '#swagger-ui' });
        </script>
      </body>
      </html>
      """;

  private ContractDocs() {
  }

  static void mount(Router router, Buffer contract) {
    router.get("/openapi.yaml").handler(rc -> rc.response()
        .putHeader("Content-Type", "application/yaml; charset=utf-8").end(contract));
    router.getWithRegex("/docs/?(index\\.html)?").handler(rc -> rc.response()
        .putHeader("Content-Type", "text/html; charset=utf-8").end(INDEX));
    // The bundle is UTF-8; without an explicit charset the JVM's default (US-ASCII on a machine
    // without a UTF-8 locale) is announced and the browser stops on a syntax error.
    router.get("/docs/*").handler(StaticHandler.create(SWAGGER_UI).setCachingEnabled(true)
        .setDefaultContentEncoding("UTF-8"));
  }
}
