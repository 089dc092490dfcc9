package dev.parley.cli;

import dev.parley.config.ParleyConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Properties;

/**
 * The command line, read before anything starts: {@code --help}, {@code --version}, the
 * {@code token} command, or running a node. Anything else is a usage error (exit 2), never a node
 * started by mistake.
 */
public final class Cli {

  /** What {@link #handle} answers when the command line asks to run a node. */
  public static final int RUN = -1;
  /** What {@link #handle} answers for the fake LLM server (it keeps the process alive itself). */
  public static final int FAKE_LLM = -2;

  static final String USAGE = String.join("\n",
      "Parley: a chat and conversation engine for LLM applications.",
      "",
      "usage: java -jar parley.jar [-cluster]              run a node (embedded PostgreSQL under data_dir,",
      "                                                    development JWT key, port 8080, unless configured)",
      "       java -jar parley.jar token <user> [minutes]  print a development token for <user> (default 1440 minutes)",
      "       java -jar parley.jar fake-llm [port] [ms]    a fixed-answer OpenAI-compatible server, for load tests",
      "       java -jar parley.jar --version               print the version",
      "       java -jar parley.jar --help                  print this help",
      "",
      "Configuration: PARLEY_* environment variables (docs/configuration.md); the data directory is",
      "PARLEY_DATA_DIR (default ./data, relative to where Parley starts).");

  private Cli() {
  }

  /**
   * Answers the command line: an exit code when it was handled here (help, version, token, a
   * usage error), {@link #RUN} to run a node, {@link #FAKE_LLM} for the fake LLM server.
   */
  public static int handle(String[] args, ParleyConfig config, PrintStream out, PrintStream err) {
    if (args.length == 0 || args.length == 1 && "-cluster".equals(args[0])) {
      return RUN;
    }
    switch (args[0]) {
      case "--help", "-h", "help" -> {
        out.println(USAGE);
        return 0;
      }
      case "--version", "-V", "version" -> {
        out.println("parley " + version());
        return 0;
      }
      case "token" -> {
        return TokenCommand.run(config, args, out, err);
      }
      case "fake-llm" -> {
        return FAKE_LLM;
      }
      default -> {
        err.println("unknown argument: " + args[0]);
        err.println(USAGE);
        return 2;
      }
    }
  }

  /** The version Maven built into the jar, or "development" when run from classes. */
  public static String version() {
    try (InputStream in = Cli.class.getResourceAsStream("/META-INF/maven/dev.parley/parley/pom.properties")) {
      if (in == null) {
        return "development";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "development");
    } catch (IOException e) {
      return "development";
    }
  }
}
