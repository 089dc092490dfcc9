package dev.parley.cli;

import dev.parley.config.ParleyConfig;
import dev.parley.http.Jwt;
import io.vertx.core.Vertx;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code java -jar parley.jar token <user> [minutes]}: prints a bearer token for that user. With
 * the development key (no key configured), it says on standard error which key file it signed
 * with, and when that file is new, that no node has used this data directory yet: a token is only
 * accepted by a node that runs with the same data directory.
 */
public final class TokenCommand {

  private static final int DEFAULT_MINUTES = 24 * 60;
  static final String USAGE = "usage: java -jar parley.jar token <user> [minutes]   (a development token, "
      + DEFAULT_MINUTES + " minutes by default)";

  private TokenCommand() {
  }

  public static int run(ParleyConfig config, String[] args) {
    return run(config, args, System.out, System.err);
  }

  /** Prints the token to {@code out}; usage, where the key is, and errors go to {@code err}. */
  public static int run(ParleyConfig config, String[] args, PrintStream out, PrintStream err) {
    if (args.length == 2 && (args[1].equals("--help") || args[1].equals("-h"))) {
      out.println(USAGE);
      return 0;
    }
    if (args.length < 2 || args.length > 3 || args[1].isBlank() || args[1].startsWith("-")) {
      err.println(USAGE);
      return 2;
    }
    int minutes;
    try {
      minutes = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_MINUTES;
    } catch (NumberFormatException e) {
      err.println("minutes must be a whole number\n" + USAGE);
      return 2;
    }
    Path keyFile = Jwt.developmentKeyFile(config).map(p -> p.toAbsolutePath().normalize()).orElse(null);
    boolean fresh = keyFile != null && !Files.exists(keyFile);
    ParleyConfig resolved = Jwt.resolveKeys(config);
    Vertx vertx = Vertx.vertx();
    try {
      out.println(Jwt.mint(vertx, resolved.json().getJsonObject("jwt"), args[1], minutes));
      if (keyFile != null) {
        err.println("Signed with the development key " + keyFile + (fresh
            ? " (new: no node has used this data directory yet; run Parley with PARLEY_DATA_DIR="
                + keyFile.getParent() + " or from " + keyFile.getParent().getParent() + " to accept it)"
            : " (a node accepts it when it runs with PARLEY_DATA_DIR=" + keyFile.getParent() + ")"));
      }
      return 0;
    } catch (IllegalStateException e) {
      err.println(e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
  }
}
