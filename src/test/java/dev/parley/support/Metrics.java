package dev.parley.support;

/** Reads one sample from a node's /metrics (Prometheus text format). */
public final class Metrics {

  private Metrics() {
  }

  /** The value of the first sample named {@code name} whose labels include every {@code labels} entry ("k=\"v\""). */
  public static double value(TestServer server, String name, String... labels) {
    String text = scrape(server);
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String label : labels) {
        all &= line.contains(label);
      }
      if (all) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** The node's /metrics, from its management port. */
  public static String scrape(TestServer server) {
    int port = Integer.parseInt(server.env().get("PARLEY_MANAGEMENT_PORT"));
    return TestServer.await(server.client().get(port, "127.0.0.1", "/metrics").send()).bodyAsString();
  }
}
