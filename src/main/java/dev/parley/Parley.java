package dev.parley;

import dev.parley.cli.Cli;
import dev.parley.cli.FakeLlmCommand;
import dev.parley.config.ParleyConfig;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Entry point. {@code java -jar parley.jar} runs a node with embedded defaults ({@code -cluster}:
 * as a member of a Vert.x cluster, see docs/operations.md); {@code token <user>} prints a
 * development token, {@code --help} and {@code --version} what they say ({@link Cli}). SIGTERM and SIGINT stop
 * the node gracefully (see {@link ParleyServer#stop()}) and the process exits 0.
 */
public final class Parley {

  private Parley() {
  }

  public static void main(String[] args) {
    ParleyConfig loaded = ParleyConfig.load(System.getenv());
    ParleyConfig config = java.util.Arrays.asList(args).contains("-cluster")
        ? loaded.with("cluster.enabled", true) : loaded;
    int handled = Cli.handle(args, config, System.out, System.err);
    if (handled == Cli.FAKE_LLM) {
      FakeLlmCommand.run(args);
      return;
    }
    if (handled != Cli.RUN) {
      System.exit(handled);
    }
    Logger log = LoggerFactory.getLogger(Parley.class);
    long graceMs = config.integer("http.shutdown_grace_ms");
    Future<ParleyServer> started = ParleyServer.start(config)
        .onFailure(failure -> {
          log.error("Parley could not start: {}", failure.toString());
          System.exit(1);
        });
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable stop = () -> {
      if (!stopping.compareAndSet(false, true)) {
        return;
      }
      log.info("Shutting down: readiness is 503, in-flight requests get up to {} ms", graceMs);
      int status = 0;
      try {
        started.compose(ParleyServer::stop).toCompletionStage().toCompletableFuture()
            .get(graceMs + 15_000, TimeUnit.MILLISECONDS);
        log.info("Parley stopped");
      } catch (Exception e) {
        log.warn("Shutdown did not complete cleanly: {}", e.getClass().getSimpleName());
        status = 1;
      }
      System.exit(status);
    };
    // Handled here rather than in a shutdown hook, so the process can drain and exit 0. Installed
    // before the node is up: a signal that arrives while it starts waits for the start, then drains.
    for (String signal : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(signal), s -> new Thread(stop, "parley-shutdown").start());
    }
  }
}
