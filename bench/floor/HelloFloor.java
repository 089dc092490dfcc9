import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The machine's floor for an HTTP request in Vert.x: a bare server answering "ok" on every event
 * loop, no routing, no logging, no metrics. bench/run runs it from Parley's jar
 * ({@code java -cp target/parley.jar bench/floor/HelloFloor.java <port>}) and sets /health/live
 * beside it.
 */
public class HelloFloor {
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    for (int i = 0; i < loops; i++) {
      vertx.createHttpServer()
          .requestHandler(request -> request.response().putHeader("Content-Type", "application/json").end("{\"status\":\"UP\"}"))
          .listen(port, "127.0.0.1");
    }
  }
}
