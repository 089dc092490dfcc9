package dev.parley.cli;

import dev.parley.config.ParleyConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: help and version print and exit, mistakes are usage errors, token says which key it used. */
class CliTest {

  private record Run(int code, String out, String err) {
  }

  private static Run run(Path dataDir, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ParleyConfig config = ParleyConfig.load(Map.of("PARLEY_DATA_DIR", dataDir.toString()));
    int code = Cli.handle(args, config, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("--help and --version print and exit 0; an unknown argument is exit 2; nothing else runs a node")
  void helpAndVersion() throws Exception {
    Path dir = Files.createTempDirectory("parley-cli");
    Run help = run(dir, "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("usage: java -jar parley.jar"), help.out());
    assertTrue(help.out().contains("token <user>"));
    assertEquals(0, run(dir, "-h").code());
    Run version = run(dir, "--version");
    assertEquals(0, version.code());
    assertTrue(version.out().startsWith("parley "), version.out());
    Run unknown = run(dir, "--hepl");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("unknown argument: --hepl"), unknown.err());
    assertEquals(Cli.RUN, run(dir).code());
    assertEquals(Cli.RUN, run(dir, "-cluster").code());
    assertFalse(Files.exists(dir.resolve("jwt-dev-secret")), "no key made by help or version");
  }

  @Test
  @DisplayName("token --help is help, not a token for \"--help\"; token says which development key it signed with")
  void token() throws Exception {
    Path dir = Files.createTempDirectory("parley-cli-token").resolve("data");
    Run help = run(dir, "token", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().startsWith("usage: java -jar parley.jar token"), help.out());
    assertEquals(2, run(dir, "token").code());
    assertEquals(2, run(dir, "token", "-x").code());
    assertEquals(2, run(dir, "token", "ada", "soon").code());
    assertFalse(Files.exists(dir.resolve("jwt-dev-secret")));

    Run first = run(dir, "token", "ada");
    assertEquals(0, first.code(), first.err());
    assertEquals(3, first.out().trim().split("\\.").length, "a JWT on standard output, nothing else: " + first.out());
    Path key = dir.resolve("jwt-dev-secret").toAbsolutePath().normalize();
    assertTrue(first.err().contains(key.toString()), first.err());
    assertTrue(first.err().contains("new: no node has used this data directory yet"), first.err());
    Run second = run(dir, "token", "ada", "5");
    assertEquals(0, second.code());
    assertTrue(second.err().contains("PARLEY_DATA_DIR=" + key.getParent()), second.err());
    assertFalse(second.err().contains("new:"), second.err());
  }
}
