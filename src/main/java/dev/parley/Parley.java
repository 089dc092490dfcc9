package dev.parley;

import dev.parley.cli.TokenCommand;
import dev.parley.config.ParleyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point. {@code java -jar parley.jar} runs a node with embedded defaults;
 * {@code java -jar parley.jar token <user>} prints a development token.
 */
public final class Parley {

  private Parley() {
  }

  public static void main(String[] args) {
    ParleyConfig config = ParleyConfig.load(System.getenv());
    if (args.length > 0 && "token".equals(args[0])) {
      System.exit(TokenCommand.run(config, args));
    }
    Logger log = LoggerFactory.getLogger(Parley.class);
    ParleyServer.start(config)
        .onSuccess(server -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            // Bounded: a hook that never returns would keep the process alive.
            server.stop().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            log.warn("Shutdown did not complete cleanly: {}", e.toString());
          }
        }, "parley-shutdown")))
        .onFailure(failure -> {
          log.error("Parley could not start: {}", failure.toString(), failure);
          System.exit(1);
        });
  }
}
