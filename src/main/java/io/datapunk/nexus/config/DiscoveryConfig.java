package io.datapunk.nexus.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Where routes find their instances ({@code discovery:}).
 *
 * @param type the default of each route's {@code discovery}: {@code static} (default) or {@code consul}
 * @param consul the Consul agent and how it is queried
 */
public record DiscoveryConfig(String type, Consul consul) {
  public static DiscoveryConfig defaults() {
    return new DiscoveryConfig(UpstreamConfig.STATIC, Consul.defaults());
  }

  /**
   * The Consul agent ({@code discovery.consul:}).
   *
   * @param address the agent's HTTP API (default http://127.0.0.1:8500)
   * @param token ACL token sent as {@code X-Consul-Token} (default none)
   * @param datacenter {@code dc} of the queries (default: the agent's)
   * @param tag only instances with this tag (default: all)
   * @param blockingWait how long one blocking query may wait for a change (default 30s; Consul caps it at 10m)
   * @param errorBackoff first wait after a failed query; doubled per failure in a row (default 1s)
   * @param maxErrorBackoff cap of that doubling (default 30s)
   * @param register self-registration of the gateway
   */
  public record Consul(URI address, String token, String datacenter, String tag, Duration blockingWait,
                       Duration errorBackoff, Duration maxErrorBackoff, Registration register) {
    public static final URI DEFAULT_ADDRESS = URI.create("http://127.0.0.1:8500");
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_ERROR_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_ERROR_BACKOFF = Duration.ofSeconds(30);

    static Consul defaults() {
      return new Consul(DEFAULT_ADDRESS, null, null, null, DEFAULT_WAIT, DEFAULT_ERROR_BACKOFF,
          DEFAULT_MAX_ERROR_BACKOFF, Registration.disabled());
    }

    static Consul read(ConfigSection s) {
      URI address = s.has("address") ? ServiceUrls.read(s, "address", false) : DEFAULT_ADDRESS;
      String token = blankToNull(s.string("token", null));
      String dc = blankToNull(s.string("datacenter", null));
      String tag = blankToNull(s.string("tag", null));
      Duration wait = s.duration("wait", DEFAULT_WAIT, false);
      if (wait.compareTo(Duration.ofMinutes(10)) > 0) {
        s.error("wait", Units.describe(wait), "at most 10m (Consul's limit)");
      }
      Duration backoff = s.duration("error_backoff", DEFAULT_ERROR_BACKOFF, false);
      Duration maxBackoff = s.duration("max_error_backoff", DEFAULT_MAX_ERROR_BACKOFF, false);
      Registration register = Registration.read(s.section("register"));
      s.finish();
      return new Consul(address == null ? DEFAULT_ADDRESS : address, token, dc, tag, wait, backoff, maxBackoff,
          register);
    }
  }

  /**
   * The gateway registering itself in Consul ({@code discovery.consul.register:}), with an HTTP check on
   * the admin port's {@code /health/ready}; deregistered on shutdown.
   *
   * @param enabled default false
   * @param name service name (default nexus)
   * @param id service id (default name-address-port)
   * @param address the address Consul and other services reach this gateway at (required when enabled)
   * @param tags service tags
   * @param checkInterval default 10s
   * @param checkTimeout default 5s
   * @param deregisterAfter Consul removes the registration after the check is critical this long (default 1m)
   */
  public record Registration(boolean enabled, String name, String id, String address, List<String> tags,
                             Duration checkInterval, Duration checkTimeout, Duration deregisterAfter) {
    static Registration disabled() {
      return new Registration(false, "nexus", null, null, List.of(), Duration.ofSeconds(10), Duration.ofSeconds(5),
          Duration.ofMinutes(1));
    }

    static Registration read(ConfigSection s) {
      boolean enabled = s.bool("enabled", false);
      String name = s.string("name", "nexus");
      String id = blankToNull(s.string("id", null));
      String address = blankToNull(s.string("address", null));
      if (enabled && address == null) {
        s.error("address", "missing", "the address this gateway is reached at, e.g. ${POD_IP}");
      }
      Registration r = new Registration(enabled, name, id, address, List.copyOf(s.stringList("tags")),
          s.duration("check_interval", Duration.ofSeconds(10), false),
          s.duration("check_timeout", Duration.ofSeconds(5), false),
          s.duration("deregister_after", Duration.ofMinutes(1), false));
      s.finish();
      return r;
    }
  }

  static DiscoveryConfig read(ConfigSection s) {
    String type = s.oneOf("type", UpstreamConfig.STATIC, UpstreamConfig.STATIC, UpstreamConfig.CONSUL);
    Consul consul = Consul.read(s.section("consul"));
    s.finish();
    return new DiscoveryConfig(type, consul);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
