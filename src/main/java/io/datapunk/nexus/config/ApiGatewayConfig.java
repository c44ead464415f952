package io.datapunk.nexus.config;

import java.time.Duration;

/**
 * The proposal's high-availability block ({@code api_gateway:}), as written there. Nexus does not run
 * the load balancer: the block states how the deployment around it is built (the files in
 * {@code deploy/} follow it, and a test checks that they do), and {@code nexus check} validates it.
 *
 * @param balancer {@code load_balancer.type}: the front load balancer (default and only value: nginx)
 * @param algorithm {@code load_balancer.algorithm}: least_connections (default) or round_robin
 * @param healthInterval {@code load_balancer.health_check.interval}: how often an instance's readiness is
 *     checked (default 5s)
 * @param healthTimeout {@code load_balancer.health_check.timeout}: how long one check may take (default 3s, at
 *     most the interval)
 * @param mode {@code high_availability.mode}: active_active (default and only value: every instance serves)
 * @param minInstances {@code high_availability.instances.min}: fewest instances running (default 2)
 * @param maxInstances {@code high_availability.instances.max}: most instances the autoscaler may start (default 5)
 */
public record ApiGatewayConfig(String balancer, String algorithm, Duration healthInterval, Duration healthTimeout,
                               String mode, int minInstances, int maxInstances) {
  public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(3);
  public static final int DEFAULT_MIN_INSTANCES = 2;
  public static final int DEFAULT_MAX_INSTANCES = 5;
  public static final int MAX_INSTANCES = 100;

  public static ApiGatewayConfig defaults() {
    return new ApiGatewayConfig("nginx", "least_connections", DEFAULT_HEALTH_INTERVAL, DEFAULT_HEALTH_TIMEOUT,
        "active_active", DEFAULT_MIN_INSTANCES, DEFAULT_MAX_INSTANCES);
  }

  static ApiGatewayConfig read(ConfigSection s) {
    ConfigSection lb = s.section("load_balancer");
    String type = lb.oneOf("type", "nginx", "nginx");
    String algorithm = lb.oneOf("algorithm", "least_connections", "least_connections", "round_robin");
    ConfigSection hc = lb.section("health_check");
    Duration interval = hc.duration("interval", DEFAULT_HEALTH_INTERVAL, false);
    Duration timeout = hc.duration("timeout", DEFAULT_HEALTH_TIMEOUT, false);
    if (timeout.compareTo(interval) > 0) {
      hc.error("timeout", hc.string("timeout", ""), "at most health_check.interval");
    }
    hc.finish();
    lb.finish();
    ConfigSection ha = s.section("high_availability");
    String mode = ha.oneOf("mode", "active_active", "active_active");
    ConfigSection instances = ha.section("instances");
    int min = instances.integer("min", DEFAULT_MIN_INSTANCES, 1, MAX_INSTANCES);
    int max = instances.integer("max", DEFAULT_MAX_INSTANCES, 1, MAX_INSTANCES);
    if (max < min) {
      instances.error("max", Integer.toString(max), ">= instances.min (" + min + ")");
    }
    instances.finish();
    ha.finish();
    s.finish();
    return new ApiGatewayConfig(type, algorithm, interval, timeout, mode, min, max);
  }
}
