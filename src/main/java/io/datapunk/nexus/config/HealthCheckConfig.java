package io.datapunk.nexus.config;

import java.time.Duration;

/**
 * Active health checks of a route's instances ({@code health_check:}). They run only when the route
 * has this section; without it an instance's health is judged by outlier detection alone.
 *
 * @param enabled whether checks run (true when the section is present, unless {@code enabled: false})
 * @param path the path requested with GET on each instance (default /health); 200-399 passes
 * @param interval time between two checks of one instance (default 5s, the proposal's)
 * @param timeout a check without an answer in this time fails (default 3s, the proposal's)
 * @param healthyThreshold consecutive passes that bring an unhealthy instance back (default 2)
 * @param unhealthyThreshold consecutive failures that take a healthy instance out (default 1: out
 *     within one interval)
 */
public record HealthCheckConfig(boolean enabled, String path, Duration interval, Duration timeout,
                                int healthyThreshold, int unhealthyThreshold) {
  public static final String DEFAULT_PATH = "/health";
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
  public static final int DEFAULT_HEALTHY_THRESHOLD = 2;
  public static final int DEFAULT_UNHEALTHY_THRESHOLD = 1;

  public static HealthCheckConfig disabled() {
    return new HealthCheckConfig(false, DEFAULT_PATH, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_HEALTHY_THRESHOLD,
        DEFAULT_UNHEALTHY_THRESHOLD);
  }

  static HealthCheckConfig read(ConfigSection s, boolean present) {
    boolean enabled = s.bool("enabled", present);
    String path = s.string("path", DEFAULT_PATH);
    if (path != null && !path.startsWith("/")) {
      s.error("path", path, "a path starting with /");
    }
    Duration interval = s.duration("interval", DEFAULT_INTERVAL, false);
    Duration timeout = s.duration("timeout", DEFAULT_TIMEOUT, false);
    int healthy = s.integer("healthy_threshold", DEFAULT_HEALTHY_THRESHOLD, 1, 100);
    int unhealthy = s.integer("unhealthy_threshold", DEFAULT_UNHEALTHY_THRESHOLD, 1, 100);
    s.finish();
    return new HealthCheckConfig(enabled, path, interval, timeout, healthy, unhealthy);
  }
}
