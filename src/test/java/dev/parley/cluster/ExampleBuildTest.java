package dev.parley.cluster;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example client builds on its own, as a user who copies examples/cluster-client builds it
 * (its walk-through runs against real nodes in ClusterTest).
 */
class ExampleBuildTest {

  @Test
  @DisplayName("examples/cluster-client builds with its own pom into a runnable jar")
  void buildsOnItsOwn() throws Exception {
    // A fresh copy, as a user who copies the example gets it (nothing built before).
    Path example = Files.createTempDirectory("cluster-client");
    Path source = Path.of("examples", "cluster-client");
    try (var files = Files.walk(source)) {
      for (Path from : files.filter(p -> !p.startsWith(source.resolve("target"))).toList()) {
        Path to = example.resolve(source.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else {
          Files.copy(from, to);
        }
      }
    }
    String mvn = System.getProperty("os.name").toLowerCase().contains("win") ? "mvn.cmd" : "mvn";
    Process build;
    try {
      build = new ProcessBuilder(List.of(mvn, "-B", "-q", "-f", example.resolve("pom.xml").toString(),
          "-DskipTests", "package"))
          .redirectErrorStream(true).start();
    } catch (IOException noMaven) {
      Assumptions.abort("mvn is not on the PATH");
      return;
    }
    String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(build.waitFor(10, TimeUnit.MINUTES), "the build finished");
    assertEquals(0, build.exitValue(), log);
    Path jar = example.resolve("target").resolve("cluster-client.jar");
    assertTrue(Files.exists(jar), "the runnable jar: " + log);
    try (JarFile file = new JarFile(jar.toFile())) {
      assertEquals("example.ParleyClusterClient", file.getManifest().getMainAttributes().getValue("Main-Class"));
      assertNotNull(file.getEntry("example/ParleyClusterClient.class"));
      assertNotNull(file.getEntry("io/vertx/spi/cluster/hazelcast/HazelcastClusterManager.class"));
    } finally {
      try (var files = Files.walk(example)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
