package io.datapunk.nexus.observability;

import io.datapunk.nexus.config.ConfigSection;
import java.time.Duration;

/**
 * The {@code observability:} section: metrics, the access and audit logs, the recent-errors buffer
 * and the dashboard's sampling.
 *
 * @param metricsEnabled record per-request metrics (default true); off: no per-request work, /metrics
 *     keeps JVM and process series only
 * @param accessLog the access log (one JSON line per request)
 * @param auditLog the audit log of security events
 * @param recentErrors how many recent errors the admin API keeps (default 100)
 * @param sampleInterval how often the dashboard's history is sampled (default 2s)
 * @param history how many samples the dashboard's history keeps (default 150, 5 minutes at 2s)
 */
public record ObservabilityConfig(boolean metricsEnabled, LogConfig accessLog, LogConfig auditLog, int recentErrors,
                                  Duration sampleInterval, int history) {
  public static final int DEFAULT_ACCESS_QUEUE = 8192;
  public static final int DEFAULT_AUDIT_QUEUE = 1024;
  public static final int DEFAULT_RECENT_ERRORS = 100;
  public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(2);
  public static final int DEFAULT_HISTORY = 150;

  /** Everything on, with the defaults (used when the section is absent). */
  public static ObservabilityConfig defaults() {
    return new ObservabilityConfig(true, new LogConfig(true, "stdout", DEFAULT_ACCESS_QUEUE),
        new LogConfig(true, "stderr", DEFAULT_AUDIT_QUEUE), DEFAULT_RECENT_ERRORS, DEFAULT_SAMPLE_INTERVAL,
        DEFAULT_HISTORY);
  }

  /**
   * One JSON-lines log.
   *
   * @param enabled write it at all
   * @param path {@code stdout}, {@code stderr} or a file (appended to, created with its directory)
   * @param queueSize lines that may wait for the writer thread; beyond it lines are dropped and counted
   */
  public record LogConfig(boolean enabled, String path, int queueSize) {
    static LogConfig read(ConfigSection s, String defaultPath, int defaultQueue) {
      LogConfig c = new LogConfig(s.bool("enabled", true), s.string("path", defaultPath),
          s.integer("queue_size", defaultQueue, 16, 1 << 20));
      if (c.path() != null && c.path().isBlank()) {
        s.error("path", "\"\"", "stdout, stderr or a file path");
      }
      s.finish();
      return c;
    }
  }

  public static ObservabilityConfig read(ConfigSection s) {
    ConfigSection metrics = s.section("metrics");
    boolean metricsOn = metrics.bool("enabled", true);
    metrics.finish();
    LogConfig access = LogConfig.read(s.section("access_log"), "stdout", DEFAULT_ACCESS_QUEUE);
    LogConfig audit = LogConfig.read(s.section("audit_log"), "stderr", DEFAULT_AUDIT_QUEUE);
    int recent = s.integer("recent_errors", DEFAULT_RECENT_ERRORS, 1, 10_000);
    ConfigSection dashboard = s.section("dashboard");
    Duration interval = dashboard.duration("sample_interval", DEFAULT_SAMPLE_INTERVAL, false);
    if (interval.toMillis() < 100 || interval.toSeconds() > 60) {
      dashboard.error("sample_interval", dashboard.string("sample_interval", ""), "from 100ms to 60s");
      interval = DEFAULT_SAMPLE_INTERVAL;
    }
    int history = dashboard.integer("history", DEFAULT_HISTORY, 2, 10_000);
    dashboard.finish();
    s.finish();
    return new ObservabilityConfig(metricsOn, access, audit, recent, interval, history);
  }
}
