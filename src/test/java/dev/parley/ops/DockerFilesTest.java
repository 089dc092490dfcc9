package dev.parley.ops;

import dev.parley.config.ParleyConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The docker/ files cannot run here (no Docker engine); this keeps them consistent with the code. */
class DockerFilesTest {

  private static final Set<String> LOGBACK_VARIABLES = Set.of("PARLEY_LOG_FORMAT", "PARLEY_LOG_LEVEL");
  static final Set<String> PARLEY_METRICS = Set.of("parley_messages_appended_total", "parley_conversations_new_total",
      "parley_chat_turns_total", "parley_llm_calls_total", "parley_llm_latency_seconds_bucket", "parley_llm_tokens_total",
      "parley_cache_requests_total", "parley_rate_limit_rejections_total", "parley_idempotent_replays_total",
      "parley_degraded");

  private static boolean known(String variable) {
    return ParleyConfig.variableNames().containsKey(variable) || LOGBACK_VARIABLES.contains(variable);
  }

  @Test
  @DisplayName("Every PARLEY_* variable that compose.yaml sets is one Parley reads; both nodes share PostgreSQL and "
      + "Redis and form one cluster")
  @SuppressWarnings("unchecked")
  void composeVariables() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker/compose.yaml")));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    for (String service : List.of("postgres", "redis", "parley-1", "parley-2", "loadbalancer", "prometheus", "grafana")) {
      assertTrue(services.containsKey(service), service);
    }
    for (String node : List.of("parley-1", "parley-2")) {
      Map<String, Object> environment = (Map<String, Object>) ((Map<String, Object>) services.get(node)).get("environment");
      assertTrue(environment.size() > 5);
      for (String variable : environment.keySet()) {
        assertTrue(known(variable), node + " sets " + variable + ", which Parley does not read");
      }
      assertEquals("postgresql://parley:parley@postgres:5432/parley", environment.get("PARLEY_PG_URL"));
      assertEquals("redis://redis:6379", environment.get("PARLEY_REDIS_URL"));
      assertEquals("true", environment.get("PARLEY_CLUSTER_ENABLED"));
      String port = environment.get("PARLEY_CLUSTER_PORT").toString();
      assertTrue(List.of(environment.get("PARLEY_CLUSTER_MEMBERS").toString().split(",")).contains(node + ":" + port),
          node + " is a member of the cluster it joins");
    }
  }

  @Test
  @DisplayName("The Dockerfile builds the jar in one stage and runs it as a non-root user with known variables")
  void dockerfile() throws IOException {
    String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
    assertEquals(2, dockerfile.lines().filter(l -> l.startsWith("FROM ")).count(), "multi-stage");
    assertTrue(dockerfile.contains("USER parley"));
    assertTrue(dockerfile.contains("target/parley.jar"));
    Matcher variables = Pattern.compile("(PARLEY_[A-Z0-9_]+)=").matcher(dockerfile);
    while (variables.find()) {
      assertTrue(known(variables.group(1)), variables.group(1));
    }
  }

  @Test
  @DisplayName("Images are pinned to exact versions; the image checks readiness; compose waits on health; a token command is documented")
  @SuppressWarnings("unchecked")
  void healthPinsAndContext() throws IOException {
    String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
    String composeText = Files.readString(Path.of("docker/compose.yaml"));
    Map<String, Object> services = (Map<String, Object>) ((Map<String, Object>) new Yaml().load(composeText)).get("services");
    List<String> images = new java.util.ArrayList<>();
    dockerfile.lines().filter(l -> l.startsWith("FROM ")).forEach(l -> images.add(l.split("\\s+")[1]));
    services.values().forEach(s -> {
      Object image = ((Map<String, Object>) s).get("image");
      if (image != null) {
        images.add(image.toString());
      }
    });
    assertTrue(images.size() >= 7, images.toString());
    for (String image : images) {
      // A release, not a moving major tag: major.minor at least (PostgreSQL has two parts), more where the image has them.
      assertTrue(image.matches("[a-z0-9./-]+:v?[0-9]+\\.[0-9]+([._-][A-Za-z0-9._-]+)?"), "pinned to a release: " + image);
    }

    assertTrue(dockerfile.contains("HEALTHCHECK"), "the image says when a node is ready");
    String check = dockerfile.substring(dockerfile.indexOf("HEALTHCHECK"));
    assertTrue(check.contains("/health/ready") && check.contains("${PARLEY_HTTP_PORT}") && check.contains(" 200 "), check);
    for (String dependency : List.of("postgres", "redis")) {
      assertTrue(((Map<String, Object>) services.get(dependency)).containsKey("healthcheck"), dependency + " has a health check");
    }
    for (String node : List.of("parley-1", "parley-2")) {
      Map<String, Object> dependsOn = (Map<String, Object>) ((Map<String, Object>) services.get(node)).get("depends_on");
      for (String dependency : List.of("postgres", "redis")) {
        assertEquals("service_healthy", ((Map<String, Object>) dependsOn.get(dependency)).get("condition"), node + " waits for " + dependency);
      }
    }
    Map<String, Object> balancer = (Map<String, Object>) ((Map<String, Object>) services.get("loadbalancer")).get("depends_on");
    assertEquals("service_healthy", ((Map<String, Object>) balancer.get("parley-1")).get("condition"));
    assertEquals("service_healthy", ((Map<String, Object>) balancer.get("parley-2")).get("condition"));
    assertTrue(composeText.contains("java -jar /opt/parley/parley.jar token "), "how to get a token in the stack");

    List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertTrue(ignored.containsAll(List.of("data", "target", ".git")), ignored.toString());
    for (String copied : List.of("pom.xml", "openapi.yaml", "conf", "src")) {
      assertTrue(dockerfile.contains("COPY " + copied) && !ignored.contains(copied), copied + " reaches the build");
    }
  }

  @Test
  @DisplayName("Prometheus scrapes both nodes' /metrics; the dashboard only charts metrics Parley exports")
  @SuppressWarnings("unchecked")
  void monitoring() throws IOException {
    Map<String, Object> prometheus = new Yaml().load(Files.readString(Path.of("docker/prometheus/prometheus.yml")));
    Map<String, Object> job = ((List<Map<String, Object>>) prometheus.get("scrape_configs")).get(0);
    assertEquals("/metrics", job.get("metrics_path"));
    List<String> targets = (List<String>) ((List<Map<String, Object>>) job.get("static_configs")).get(0).get("targets");
    assertEquals(List.of("parley-1:9464", "parley-2:9464"), targets, "the management port, not the API port");
    String dashboard = new JsonObject(Files.readString(Path.of("docker/grafana/dashboards/parley.json"))).encode();
    Matcher names = Pattern.compile("parley_[a-z_]+").matcher(dashboard);
    Set<String> charted = new HashSet<>();
    while (names.find()) {
      charted.add(names.group());
    }
    assertTrue(charted.size() >= 8);
    for (String name : charted) {
      assertTrue(PARLEY_METRICS.contains(name), "the dashboard charts " + name + ", which Parley does not export");
    }
  }
}
