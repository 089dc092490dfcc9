package dev.parley.support;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * A private redis-server child process on a free port, for tests that hang (SIGSTOP), resume
 * (SIGCONT), kill (SIGKILL) and restart Redis. Never the shared Redis. Skips the test when no
 * redis-server is on the PATH.
 */
public final class RedisProcess implements AutoCloseable {

  private final int port = TestServices.freePort();
  private Process process;

  public static RedisProcess start() {
    RedisProcess redis = new RedisProcess();
    redis.launch();
    return redis;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The server stops answering (its socket stays open), as in a long GC pause or a frozen VM. */
  public void hang() {
    signal("STOP");
  }

  public void resume() {
    signal("CONT");
  }

  /** SIGKILL: the process dies with all its data (the server keeps nothing on disk). */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Starts a new, empty server on the same port. */
  public void restart() {
    kill();
    launch();
  }

  private void launch() {
    try {
      process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--loglevel", "warning")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      Assumptions.abort("redis-server is not on the PATH: " + e.getMessage());
    }
    Eventually.eventually(10_000, "redis-server listens on port " + port, () -> {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException notYet) {
        return false;
      }
    });
  }

  private void signal(String name) {
    try {
      new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    resume();
    kill();
  }
}
