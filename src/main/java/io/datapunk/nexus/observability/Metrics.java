package io.datapunk.nexus.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The gateway's metrics: one Prometheus registry, the per-route meters (resolved once per route), the
 * cache series and the service states. Created by the gateway and handed to every capability (see
 * {@link io.datapunk.nexus.pipeline.RouteFilterFactory}); capabilities add their own meters to
 * {@link #registry()} with the {@code nexus.} prefix and bounded tags.
 */
public final class Metrics implements AutoCloseable {
  /** The route label of requests that matched no route. */
  public static final String UNMATCHED = "unmatched";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** Copied on write (routes are added at start and on reload only), so reads are a plain map lookup, in config order. */
  private volatile Map<String, RouteMeters> routes = Map.of();
  private final CacheMetrics cache;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final MultiGauge serviceAvailable;
  private final MultiGauge instanceUp;
  private final MultiGauge breakerState;
  private volatile ServiceStates states;

  public Metrics(ServiceStates initial) {
    this.states = initial;
    // No pause detector: it runs background threads and corrects every timer record for pauses, a cost
    // on each request that a gateway's histograms do not need.
    registry.config().pauseDetector(new NoPauseDetector());
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    NettyMemoryMetrics.bindTo(registry);
    cache = new CacheMetrics(registry);
    serviceAvailable = MultiGauge.builder("nexus.service.available")
        .description("1 when at least one instance of the service may take traffic (proposal: service_availability)")
        .register(registry);
    instanceUp = MultiGauge.builder("nexus.instance.up").description("1 when the instance takes traffic").register(registry);
    breakerState = MultiGauge.builder("nexus.breaker.state")
        .description("1 for the breaker's current state (closed, open, half_open; none: no breaker)").register(registry);
    refreshServices();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The meters of a route (created on first use, so routes added by a reload get theirs). */
  public RouteMeters route(String name) {
    RouteMeters m = routes.get(name);
    return m != null ? m : addRoute(name);
  }

  private synchronized RouteMeters addRoute(String name) {
    RouteMeters m = routes.get(name);
    if (m == null) {
      Map<String, RouteMeters> copy = new LinkedHashMap<>(routes);
      m = new RouteMeters(name, registry);
      copy.put(name, m);
      routes = copy;
    }
    return m;
  }

  Iterable<RouteMeters> routes() {
    return routes.values();
  }

  public CacheMetrics cache() {
    return cache;
  }

  /** Replaces where service, instance and breaker states come from (the resilience capability calls this). */
  public void serviceStates(ServiceStates source) {
    this.states = source;
    refreshServices();
  }

  public ServiceStates serviceStates() {
    return states;
  }

  /**
   * Registers a Redis connection's reachability as {@code nexus_redis_up{client}} (1 or 0); the cache
   * and rate-limit capabilities call this for their Redis clients. The alert rules watch it.
   */
  public void redis(String client, BooleanSupplier up) {
    Gauge.builder("nexus.redis.up", () -> up.getAsBoolean() ? 1 : 0).tag("client", client)
        .description("1 when the Redis cluster answers").register(registry);
  }

  /**
   * Registers a TLS certificate's expiry as {@code nexus_tls_certificate_expiry_seconds{name}} (Unix
   * time of notAfter); the TLS capability calls this, and the alert rules warn before expiry.
   */
  public void certificate(String name, Supplier<Instant> notAfter) {
    Gauge.builder("nexus.tls.certificate.expiry", () -> notAfter.get().getEpochSecond()).tag("name", name)
        .baseUnit("seconds").description("notAfter of the served certificate, as Unix time").register(registry);
  }

  /** Reads the service states into the gauges; called before each scrape and sample. */
  public void refreshServices() {
    List<ServiceStates.ServiceState> now = states.services();
    List<MultiGauge.Row<?>> available = new ArrayList<>();
    List<MultiGauge.Row<?>> instances = new ArrayList<>();
    List<MultiGauge.Row<?>> breakers = new ArrayList<>();
    for (ServiceStates.ServiceState s : now) {
      available.add(MultiGauge.Row.of(Tags.of("service", s.name()), s.available() ? 1 : 0));
      for (ServiceStates.InstanceState i : s.instances()) {
        instances.add(MultiGauge.Row.of(Tags.of("service", s.name(), "instance", i.address()), i.healthy() ? 1 : 0));
      }
      for (String state : new String[] {"closed", "open", "half_open", ServiceStates.NO_BREAKER}) {
        breakers.add(MultiGauge.Row.of(Tags.of("service", s.name(), "state", state), state.equals(s.breaker()) ? 1 : 0));
      }
    }
    serviceAvailable.register(available, true);
    instanceUp.register(instances, true);
    breakerState.register(breakers, true);
  }

  /** The Prometheus text exposition of every series. */
  public String scrape() {
    refreshServices();
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
