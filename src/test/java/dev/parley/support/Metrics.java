package dev.parley.support;

/** Reads one sample from a node's /metrics (Prometheus text format). */
public final class Metrics {

  private Metrics() {
  }

  /** The value of the first sample named {@code name} whose labels include every {@code labels} entry ("k=\"v\""). */
  public static double value(TestServer server, String name, String... labels) {
    String text = Http.withAuthorization(server, null).get("/metrics").bodyAsString();
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

  public static String scrape(TestServer server) {
    return Http.withAuthorization(server, null).get("/metrics").bodyAsString();
  }
}
