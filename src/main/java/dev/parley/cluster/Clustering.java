package dev.parley.cluster;

import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import dev.parley.config.ParleyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.Arrays;
import java.util.List;

/**
 * A clustered Vert.x for a Parley node (cluster.enabled): Hazelcast from conf/cluster.xml with
 * TCP-IP discovery, the members, port and interface of the {@code cluster} section applied over
 * it, and the event bus's own host and port (and the public ones, for containers) from there too.
 */
public final class Clustering {

  private static final String HAZELCAST_XML = "conf/cluster.xml";

  private Clustering() {
  }

  /** Starts a clustered Vert.x with {@code options}; completes once this node has joined. */
  public static Future<Vertx> start(VertxOptions options, ParleyConfig config) {
    options.setEventBusOptions(eventBus(config));
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast(config)))
        .buildClustered();
  }

  /** conf/cluster.xml with cluster.members, cluster.port and cluster.interface applied. */
  public static Config hazelcast(ParleyConfig config) {
    Config hazelcast = new ClasspathXmlConfig(HAZELCAST_XML);
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(config.integer("cluster.port")).setPortAutoIncrement(false);
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(members(config.string("cluster.members")));
    String networkInterface = config.string("cluster.interface").trim();
    if (!networkInterface.isEmpty()) {
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(networkInterface));
      hazelcast.setProperty("hazelcast.socket.bind.any", "false");
      hazelcast.setProperty("hazelcast.local.localAddress", networkInterface);
    }
    return hazelcast;
  }

  static List<String> members(String list) {
    return Arrays.stream(list.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
  }

  /** Where this node's event bus listens for other nodes, and what it announces to them. */
  public static EventBusOptions eventBus(ParleyConfig config) {
    EventBusOptions bus = new EventBusOptions();
    String host = config.string("cluster.bus_host").trim();
    if (host.isEmpty() && !config.string("cluster.interface").isBlank()) {
      host = config.string("cluster.interface").trim();
    }
    if (!host.isEmpty()) {
      bus.setHost(host);
    }
    bus.setPort(config.integer("cluster.bus_port"));
    if (!config.string("cluster.bus_public_host").isBlank()) {
      bus.setClusterPublicHost(config.string("cluster.bus_public_host").trim());
    }
    if (config.integer("cluster.bus_public_port") > 0) {
      bus.setClusterPublicPort(config.integer("cluster.bus_public_port"));
    }
    if (config.isSet("cluster.tls_key_store")) {
      // Both ends show a certificate and accept only the trusted ones: a member without one cannot
      // send to this node, nor receive from it.
      bus.setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PfxOptions().setPath(config.string("cluster.tls_key_store"))
              .setPassword(config.string("cluster.tls_key_store_password")))
          .setTrustOptions(new PfxOptions().setPath(config.string("cluster.tls_trust_store"))
              .setPassword(config.string("cluster.tls_trust_store_password")));
    }
    return bus;
  }
}
