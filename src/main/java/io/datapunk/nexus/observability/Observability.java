package io.datapunk.nexus.observability;

import io.datapunk.nexus.admin.AdminHooks;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.pipeline.ExchangeListener;
import io.micrometer.core.instrument.FunctionCounter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything operators see of one gateway, created once by the gateway and handed to each capability
 * (see {@link io.datapunk.nexus.pipeline.RouteFilterFactory}): the metrics, the audit log, the
 * recent errors, the traffic history, and the admin hooks through which capabilities answer admin
 * endpoints. Also builds the exchange listeners that the configuration switches on.
 */
public final class Observability implements AutoCloseable {
  private final ObservabilityConfig config;
  private final Metrics metrics;
  private final RecentErrors recentErrors;
  private final TrafficHistory history;
  private final AuditLog audit;
  private final AdminHooks adminHooks = new AdminHooks();
  private final LogWriter accessWriter;
  private final LogWriter auditWriter;
  private final List<ExchangeListener> listeners = new ArrayList<>();

  private Observability(NexusConfig config) throws IOException {
    this.config = config.observability();
    // No services until the gateway hands over the resilience capability's view (Gateway.start).
    this.metrics = new Metrics(List::of);
    for (io.datapunk.nexus.config.RouteConfig r : config.routes()) {
      metrics.route(r.name());
    }
    metrics.route(Metrics.UNMATCHED);
    this.recentErrors = new RecentErrors(this.config.recentErrors());
    this.history = new TrafficHistory(metrics, recentErrors, this.config.history());
    ObservabilityConfig.LogConfig a = this.config.accessLog();
    ObservabilityConfig.LogConfig u = this.config.auditLog();
    this.accessWriter = a.enabled() ? LogWriter.open("access", a.path(), a.queueSize()) : null;
    this.auditWriter = u.enabled() ? LogWriter.open("audit", u.path(), u.queueSize()) : null;
    this.audit = new AuditLog(auditWriter);
    for (LogWriter w : new LogWriter[] {accessWriter, auditWriter}) {
      if (w != null) {
        FunctionCounter.builder("nexus.log.dropped", w, LogWriter::dropped).tag("log", w.name())
            .description("Log lines dropped because the writer's queue was full").register(metrics.registry());
        FunctionCounter.builder("nexus.log.lines", w, LogWriter::written).tag("log", w.name())
            .description("Log lines written").register(metrics.registry());
      }
    }
    if (this.config.metricsEnabled()) {
      listeners.add(new RequestMetrics(metrics, recentErrors));
    }
    if (accessWriter != null) {
      listeners.add(new AccessLog(accessWriter));
    }
    if (auditWriter != null) {
      listeners.add(audit);
    }
  }

  /** Opens the logs (a log file that cannot be opened fails the start). */
  public static Observability create(NexusConfig config) {
    try {
      return new Observability(config);
    } catch (IOException e) {
      throw new UncheckedIOException("a log file cannot be opened: " + e.getMessage(), e);
    }
  }

  public ObservabilityConfig config() {
    return config;
  }

  public Metrics metrics() {
    return metrics;
  }

  public AuditLog audit() {
    return audit;
  }

  public RecentErrors recentErrors() {
    return recentErrors;
  }

  public TrafficHistory history() {
    return history;
  }

  public AdminHooks adminHooks() {
    return adminHooks;
  }

  /** The listeners for the pipeline, in the order they run: metrics, access log, audit. */
  public List<ExchangeListener> listeners() {
    return List.copyOf(listeners);
  }

  /** Writes what the logs still hold and closes them. */
  @Override
  public void close() {
    if (accessWriter != null) {
      accessWriter.close();
    }
    if (auditWriter != null) {
      auditWriter.close();
    }
    metrics.close();
  }
}
