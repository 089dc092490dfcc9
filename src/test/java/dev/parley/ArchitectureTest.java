package dev.parley;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dependencies run one way. The allowed directions are data: each package of dev.parley (relative
 * name, "" for the root) may import only the packages listed for it. See docs/architecture.md.
 */
class ArchitectureTest {

  /** Package → the packages it may import. Anything not listed is forbidden. */
  static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

  static {
    ALLOWED.put("", Set.of("cli", "cluster", "config", "db", "bus", "http", "chat", "store", "llm", "model", "ops"));
    ALLOWED.put("cluster", Set.of("config"));
    ALLOWED.put("cli", Set.of("config", "http"));
    ALLOWED.put("http", Set.of("auth", "bus", "config", "ops"));
    ALLOWED.put("chat", Set.of("auth", "bus", "config", "model", "limits", "cache", "ops"));
    ALLOWED.put("llm", Set.of("llm.provider", "bus", "config", "model", "limits", "cache", "resilience", "ops"));
    ALLOWED.put("llm.provider", Set.of("model"));
    ALLOWED.put("store", Set.of("archive", "auth", "bus", "cache", "db", "model", "config", "ops"));
    ALLOWED.put("archive", Set.of());
    ALLOWED.put("auth", Set.of());
    ALLOWED.put("limits", Set.of("cache", "bus", "ops"));
    ALLOWED.put("cache", Set.of("resilience", "ops", "config"));
    ALLOWED.put("model", Set.of("bus"));
    ALLOWED.put("bus", Set.of("config"));
    ALLOWED.put("db", Set.of("config"));
    ALLOWED.put("ops", Set.of("config"));
    ALLOWED.put("resilience", Set.of());
    ALLOWED.put("config", Set.of());
  }

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    // The compiled main classes only: scanning the whole classpath for the package costs seconds.
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPath(Path.of("target", "classes"));
  }

  @Test
  @DisplayName("Every import between packages runs in an allowed direction")
  void importsRunOneWay() {
    Set<String> violations = new TreeSet<>();
    for (JavaClass from : classes) {
      String source = relative(from.getPackageName());
      assertTrue(ALLOWED.containsKey(source), "package dev.parley." + source + " is not in the allowed directions");
      for (Dependency dependency : from.getDirectDependenciesFromSelf()) {
        String targetPackage = dependency.getTargetClass().getPackageName();
        if (!targetPackage.equals("dev.parley") && !targetPackage.startsWith("dev.parley.")) {
          continue;
        }
        String target = relative(targetPackage);
        if (!target.equals(source) && !ALLOWED.get(source).contains(target)) {
          violations.add(from.getSimpleName() + " (" + source + ") -> " + dependency.getTargetClass().getName());
        }
      }
    }
    assertEquals(List.of(), new ArrayList<>(violations), "imports against the allowed directions");
  }

  @Test
  @DisplayName("The allowed directions themselves have no loop, so no package can import one that imports it back")
  void allowedDirectionsHaveNoLoop() {
    Set<String> done = new HashSet<>();
    for (String start : ALLOWED.keySet()) {
      visit(start, new ArrayList<>(), done);
    }
    assertEquals(ALLOWED.keySet(), done);
  }

  private static void visit(String pkg, List<String> path, Set<String> done) {
    assertTrue(!path.contains(pkg), "loop in the allowed directions: " + path + " -> " + pkg);
    if (done.contains(pkg)) {
      return;
    }
    path.add(pkg);
    for (String next : ALLOWED.getOrDefault(pkg, Set.of())) {
      assertTrue(ALLOWED.containsKey(next), "unknown package " + next);
      visit(next, path, done);
    }
    path.remove(path.size() - 1);
    done.add(pkg);
  }

  private static String relative(String packageName) {
    return packageName.equals("dev.parley") ? "" : packageName.substring("dev.parley.".length());
  }
}
