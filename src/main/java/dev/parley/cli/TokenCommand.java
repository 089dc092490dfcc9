package dev.parley.cli;

import dev.parley.config.ParleyConfig;
import dev.parley.http.Jwt;
import io.vertx.core.Vertx;

/** {@code java -jar parley.jar token <user> [minutes]}: prints a bearer token for that user. */
public final class TokenCommand {

  private static final int DEFAULT_MINUTES = 24 * 60;

  private TokenCommand() {
  }

  public static int run(ParleyConfig config, String[] args) {
    return run(config, args, System.out);
  }

  /** Prints the token to {@code out}; usage and errors go to standard error. */
  public static int run(ParleyConfig config, String[] args, java.io.PrintStream out) {
    if (args.length < 2 || args[1].isBlank()) {
      System.err.println("usage: java -jar target/parley.jar token <user> [minutes]");
      return 2;
    }
    int minutes = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_MINUTES;
    ParleyConfig resolved = Jwt.resolveKeys(config);
    Vertx vertx = Vertx.vertx();
    try {
      out.println(Jwt.mint(vertx, resolved.json().getJsonObject("jwt"), args[1], minutes));
      return 0;
    } catch (IllegalStateException e) {
      System.err.println(e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
  }
}
