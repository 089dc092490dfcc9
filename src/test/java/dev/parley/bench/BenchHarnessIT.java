package dev.parley.bench;

import dev.parley.db.DatabaseUrl;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs bench/run --quick once against the packaged jar, so the harness cannot rot unnoticed. It
 * needs the machine's PostgreSQL and Redis (PARLEY_TEST_PG_URL, PARLEY_TEST_REDIS_URL, as CI sets
 * them) and psql, pgbench and wrk (.ci/run installs wrk when it is missing); elsewhere it is skipped.
 */
class BenchHarnessIT {

  private static final List<String> SCENARIOS = List.of("pgbench read", "pgbench append", "read (cache off)", "append",
      "list", "mix 80/20", "chat (0 ms model)", "history @ 10 messages", "chat @ 10 messages",
      "list @ 10 conversations", "chat (50 ms model)", "read (cache on)", "overload: half the limit",
      "overload: 2x the limit", "overload: 2x the limit: admitted (probe)");

  @Test
  @DisplayName("bench/run --quick builds a report with every scenario, ratios, no errors, and PNG charts")
  void quickRun() throws Exception {
    String pg = System.getenv("PARLEY_TEST_PG_URL");
    String redis = System.getenv("PARLEY_TEST_REDIS_URL");
    assumeTrue(pg != null && redis != null, "needs the machine's PostgreSQL and Redis");
    assumeTrue(onPath("psql") && onPath("pgbench") && onPath("wrk"), "needs psql, pgbench and wrk");
    DatabaseUrl db = DatabaseUrl.parse(pg);
    ProcessBuilder run = new ProcessBuilder("bash", "bench/run", "--quick").redirectErrorStream(true)
        .redirectOutput(new File("target/bench-quick.log"));
    run.environment().putAll(java.util.Map.of("BENCH_SKIP_BUILD", "1", "BENCH_PG_HOST", db.host(),
        "BENCH_PG_PORT", Integer.toString(db.port()), "BENCH_PG_USER", db.user(), "BENCH_DB", "parley_bench_it",
        "BENCH_REDIS_URL", redis, "BENCH_PORT", "18180", "BENCH_LLM_PORT", "19980", "BENCH_MANAGEMENT_PORT", "19564"));
    Process process = run.start();
    try {
      assertTrue(process.waitFor(9, TimeUnit.MINUTES), "bench/run --quick took too long");
      assertEquals(0, process.exitValue(), Files.readString(Path.of("target/bench-quick.log")));
    } finally {
      process.destroyForcibly();
      dropBenchDatabase(db);
    }

    Path latest = Path.of("bench/results/latest-quick");
    String report = Files.readString(latest.resolve("report.md"));
    for (String scenario : SCENARIOS) {
      assertTrue(report.contains("| " + scenario + " |"), "report lacks " + scenario);
    }
    for (String line : report.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| scenario")).toList()) {
      String[] cells = line.split("\\|");
      if (cells[1].trim().equals("overload: 2x the limit")) {
        // Its errors are the requests the node shed (503 overloaded): there must be some.
        assertTrue(Long.parseLong(cells[7].trim()) > 0, "the node shed load at twice its limit: " + line);
      } else {
        assertEquals("0", cells[7].trim(), "errors in " + line);
      }
    }
    assertTrue(report.contains("- overload: p99 of admitted requests at 2x the limit"), "the report compares admitted p99s");
    assertTrue(report.lines().anyMatch(l -> l.startsWith("| read (cache off) |") && l.matches(".*\\| 0\\.\\d\\d \\|.*|.*\\| \\d+\\.\\d\\d \\|.*")),
        "the read scenario has a ratio to pgbench");
    byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
    for (String chart : List.of("throughput.png", "latency-vs-size.png")) {
      byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(latest.resolve(chart)), 4);
      assertArrayEquals(png, head, chart);
    }
  }

  /** The harness's database is on the shared server: leave nothing behind. */
  private static void dropBenchDatabase(DatabaseUrl db) throws SQLException {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS parley_bench_it WITH (FORCE)");
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
