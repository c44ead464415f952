package io.datapunk.nexus.config;

import java.time.Duration;

/**
 * Passive outlier detection ({@code outlier_detection:}): an instance whose real traffic fails is
 * ejected (gets no requests) for a while, longer each time it is ejected again.
 *
 * @param enabled default true
 * @param consecutiveConnectFailures connection failures in a row that eject (default 1: at once)
 * @param consecutiveFailures failures of any kind in a row that eject (default 5): connection reset
 *     before the answer, no answer before the route timeout, or a status of {@code retry.statuses}
 * @param failureRate share of failed requests in one {@code interval} that ejects (default 0.5)
 * @param minimumRequests requests needed in the interval before {@code failure_rate} applies (default 20)
 * @param interval the window of {@code failure_rate} (default 10s)
 * @param baseEjectionTime the first ejection lasts this long; the n-th in a row n times as long (default 30s)
 * @param maxEjectionTime ejections never last longer (default 300s)
 * @param maxEjectionPercent never more than this share of a service's instances is ejected at once
 *     (default 50; so a single-instance service is never ejected)
 */
public record OutlierConfig(boolean enabled, int consecutiveConnectFailures, int consecutiveFailures, double failureRate,
                            int minimumRequests, Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
                            int maxEjectionPercent) {
  public static final int DEFAULT_CONSECUTIVE_CONNECT_FAILURES = 1;
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
  public static final double DEFAULT_FAILURE_RATE = 0.5;
  public static final int DEFAULT_MINIMUM_REQUESTS = 20;
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
  public static final int DEFAULT_MAX_EJECTION_PERCENT = 50;

  public static OutlierConfig defaults() {
    return new OutlierConfig(true, DEFAULT_CONSECUTIVE_CONNECT_FAILURES, DEFAULT_CONSECUTIVE_FAILURES,
        DEFAULT_FAILURE_RATE, DEFAULT_MINIMUM_REQUESTS, DEFAULT_INTERVAL, DEFAULT_BASE_EJECTION_TIME,
        DEFAULT_MAX_EJECTION_TIME, DEFAULT_MAX_EJECTION_PERCENT);
  }

  static OutlierConfig read(ConfigSection s) {
    OutlierConfig c = new OutlierConfig(
        s.bool("enabled", true),
        s.integer("consecutive_connect_failures", DEFAULT_CONSECUTIVE_CONNECT_FAILURES, 1, 1000),
        s.integer("consecutive_failures", DEFAULT_CONSECUTIVE_FAILURES, 1, 1000),
        s.number("failure_rate", DEFAULT_FAILURE_RATE, 0.01, 1.0),
        s.integer("minimum_requests", DEFAULT_MINIMUM_REQUESTS, 1, 1_000_000),
        s.duration("interval", DEFAULT_INTERVAL, false),
        s.duration("base_ejection_time", DEFAULT_BASE_EJECTION_TIME, false),
        s.duration("max_ejection_time", DEFAULT_MAX_EJECTION_TIME, false),
        s.integer("max_ejection_percent", DEFAULT_MAX_EJECTION_PERCENT, 0, 100));
    if (c.maxEjectionTime().compareTo(c.baseEjectionTime()) < 0) {
      s.error("max_ejection_time", Units.describe(c.maxEjectionTime()), ">= base_ejection_time ("
          + Units.describe(c.baseEjectionTime()) + ")");
    }
    s.finish();
    return c;
  }
}
