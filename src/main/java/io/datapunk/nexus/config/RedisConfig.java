package io.datapunk.nexus.config;

import java.time.Duration;
import java.util.List;

/**
 * The Redis Cluster shared by all gateway instances ({@code redis:}): the response cache's L2 tier,
 * shared rate-limit buckets and invalidation events. Empty {@code nodes} means no Redis: every
 * capability then works on local state only.
 *
 * @param nodes seed nodes as {@code host:port}; the rest of the cluster is discovered from them
 * @param password AUTH password, or null
 * @param commandTimeout how long one Redis command may take before the caller falls back to local state (default 50ms)
 * @param connectTimeout TCP connect limit per node (default 1s)
 * @param topologyRefresh periodic cluster topology refresh, on top of the adaptive refresh on MOVED/ASK
 *     and reconnects (default 10s)
 */
public record RedisConfig(List<String> nodes, String password, Duration commandTimeout, Duration connectTimeout,
                          Duration topologyRefresh) {
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(50);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_TOPOLOGY_REFRESH = Duration.ofSeconds(10);

  public boolean enabled() {
    return !nodes.isEmpty();
  }

  static RedisConfig read(ConfigSection s) {
    List<String> nodes = s.stringList("nodes");
    for (String n : nodes) {
      int colon = n.lastIndexOf(':');
      boolean ok = colon > 0 && colon < n.length() - 1;
      if (ok) {
        try {
          int port = Integer.parseInt(n.substring(colon + 1));
          ok = port > 0 && port < 65536;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      if (!ok) {
        s.error("nodes", n, "host:port");
      }
    }
    RedisConfig c = new RedisConfig(List.copyOf(nodes), s.string("password", null),
        s.duration("command_timeout", DEFAULT_COMMAND_TIMEOUT, false),
        s.duration("connect_timeout", DEFAULT_CONNECT_TIMEOUT, false),
        s.duration("topology_refresh", DEFAULT_TOPOLOGY_REFRESH, false));
    s.finish();
    return c;
  }
}
