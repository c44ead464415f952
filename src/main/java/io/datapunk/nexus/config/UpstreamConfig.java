package io.datapunk.nexus.config;

import java.util.ArrayList;
import java.util.List;

/**
 * How a route reaches its service: where the instances come from, how one is chosen, how their health
 * is judged, and how calls are retried and broken. All keys are optional and sit directly in the
 * route's entry of {@code service_routes}.
 *
 * @param discovery {@code static} (the route's {@code service_url} or {@code instances}) or {@code consul}
 *     (the healthy instances Consul lists); default: {@code discovery.type}
 * @param consulService the service name in Consul (default: the route's name)
 * @param instances the static instances; empty when {@code service_url} names the only one
 * @param loadBalancing {@code least_requests} (default: fewest requests in flight relative to weight),
 *     {@code round_robin} or {@code weighted} (smooth weighted round robin)
 * @param healthCheck active checks ({@code health_check:})
 * @param outlier passive checks ({@code outlier_detection:})
 * @param retry retry policy ({@code retry:})
 * @param breaker the circuit breaker ({@code circuit_breaker:})
 */
public record UpstreamConfig(String discovery, String consulService, List<InstanceConfig> instances,
                             String loadBalancing, HealthCheckConfig healthCheck, OutlierConfig outlier,
                             RetryConfig retry, BreakerConfig breaker) {
  public static final String STATIC = "static";
  public static final String CONSUL = "consul";
  public static final String LEAST_REQUESTS = "least_requests";
  public static final String ROUND_ROBIN = "round_robin";
  public static final String WEIGHTED = "weighted";

  /** A single static instance with every default: the proposal's route with only {@code service_url}. */
  public static UpstreamConfig defaults() {
    return new UpstreamConfig(STATIC, null, List.of(), LEAST_REQUESTS, HealthCheckConfig.disabled(),
        OutlierConfig.defaults(), RetryConfig.defaults(), BreakerConfig.defaults());
  }

  /** Reads the keys of this record from a route's section (the caller finishes the section). */
  static UpstreamConfig read(String routeName, ConfigSection s, String defaultDiscovery) {
    String discovery = s.oneOf("discovery", defaultDiscovery, STATIC, CONSUL);
    String consulService = s.string("consul_service", routeName);
    List<InstanceConfig> instances = new ArrayList<>();
    for (ConfigSection item : s.sectionList("instances", "url")) {
      InstanceConfig i = InstanceConfig.read(item);
      if (i.url() != null) {
        instances.add(i);
      }
    }
    String balancing = s.oneOf("load_balancing", LEAST_REQUESTS, LEAST_REQUESTS, ROUND_ROBIN, WEIGHTED);
    boolean hasHealthCheck = s.has("health_check");
    HealthCheckConfig health = HealthCheckConfig.read(s.section("health_check"), hasHealthCheck);
    OutlierConfig outlier = OutlierConfig.read(s.section("outlier_detection"));
    RetryConfig retry = RetryConfig.read(s.section("retry"));
    BreakerConfig breaker = BreakerConfig.read(s.section("circuit_breaker"));
    return new UpstreamConfig(discovery, consulService, List.copyOf(instances), balancing, health, outlier, retry,
        breaker);
  }
}
