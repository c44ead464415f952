package io.datapunk.nexus.proxy;

import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.discovery.Instance;
import io.datapunk.nexus.discovery.InstanceSet;
import io.datapunk.nexus.discovery.LoadBalancer;
import io.datapunk.nexus.discovery.OutlierDetector;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Upstream;
import io.datapunk.nexus.resilience.RetryBudget;
import io.datapunk.nexus.resilience.RetryPolicy;
import io.datapunk.nexus.resilience.RouteBreaker;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;

/**
 * The streaming reverse proxy of one route: per exchange, one breaker call that retries over the
 * service's load-balanced instances (see {@link ProxyCall} for the order), request and response
 * bodies piped with back-pressure, the route timeout covering every attempt up to the response head
 * and the route's idle_timeout the body after it. WebSocket upgrades go to {@link WebSocketProxy}.
 */
public final class HttpUpstream implements Upstream {
  final Vertx vertx;
  final UpstreamPool pool;
  final String service;
  final long timeoutMillis;
  final long timeoutNanos;
  final long idleTimeoutMillis;
  final InstanceSet instances;
  final LoadBalancer balancer;
  final OutlierDetector outliers;
  final RetryPolicy retry;
  final RetryBudget budget;
  final RouteBreaker breaker;
  final RouteConfig route;
  private final WebSocketProxy webSockets;

  /** A route whose only instance is its {@code service_url}, with the system clock. */
  public HttpUpstream(Vertx vertx, RouteConfig route, UpstreamPool pool) {
    this(vertx, route, pool, staticInstances(route), Clock.systemUTC());
  }

  public HttpUpstream(Vertx vertx, RouteConfig route, UpstreamPool pool, InstanceSet instances, Clock clock) {
    this.vertx = vertx;
    this.route = route;
    this.pool = pool;
    this.service = route.name();
    this.timeoutMillis = Math.max(1, route.timeout().toMillis());
    this.timeoutNanos = timeoutMillis * 1_000_000L;
    this.idleTimeoutMillis = Math.max(1, route.idleTimeout().toMillis());
    this.instances = instances;
    this.balancer = LoadBalancer.of(route.upstream().loadBalancing());
    this.outliers = new OutlierDetector(route.upstream().outlier(), instances, System::nanoTime);
    this.retry = new RetryPolicy(route.retryAttempts(), route.upstream().retry());
    this.budget = new RetryBudget(route.upstream().retry().budget(), route.upstream().retry().minRetriesPerSecond(),
        System::nanoTime);
    this.breaker = new RouteBreaker(route.name(), route.upstream().breaker(), route.timeout(), clock);
    this.webSockets = new WebSocketProxy(this);
  }

  /** The instances of a static route: its {@code instances}, or its {@code service_url} alone. */
  static InstanceSet staticInstances(RouteConfig route) {
    InstanceSet set = new InstanceSet(route.name());
    set.update(UpstreamServices.staticAddresses(route));
    return set;
  }

  @Override
  public void forward(Exchange exchange) {
    if (WebSocketProxy.isUpgrade(exchange.request())) {
      webSockets.forward(exchange);
      return;
    }
    new ProxyCall(this, exchange).start();
  }

  /** The request target on one instance: its base path, the forwarded path, the query. */
  String uri(Exchange exchange, Instance instance) {
    String basePath = instance.basePath();
    String path = exchange.upstreamPath();
    String query = exchange.upstreamQuery();
    if (basePath.isEmpty() && query == null) {
      return path;
    }
    StringBuilder b = new StringBuilder(basePath.length() + path.length() + (query == null ? 0 : query.length() + 1));
    b.append(basePath).append(path);
    if (query != null) {
      b.append('?').append(query);
    }
    return b.toString();
  }

  /** What the admin plane shows of this route's service. */
  ServiceState state() {
    long now = System.nanoTime();
    Instance[] all = instances.all();
    ServiceState.InstanceState[] out = new ServiceState.InstanceState[all.length];
    for (int k = 0; k < all.length; k++) {
      Instance i = all[k];
      out[k] = new ServiceState.InstanceState(i.url(), i.weight(), i.healthy(), i.ejected(now),
          i.ejectedForNanos(now) / 1_000_000, i.inFlight(), i.requests(), i.failures(), i.ejections());
    }
    var m = breaker.metrics();
    return new ServiceState(service, route.prefix(), route.upstream().discovery(), route.upstream().loadBalancing(),
        instances.known(), new ServiceState.Breaker(breaker.state().name().toLowerCase(java.util.Locale.ROOT),
            m.getFailureRate(), m.getSlowCallRate(), m.getNumberOfBufferedCalls(), m.getNumberOfNotPermittedCalls()),
        retries.sum(), retriesRefused.sum(), List.of(out));
  }

  /** Retries made and retries refused (budget spent or no time left), for the admin plane and metrics. */
  final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();
  final java.util.concurrent.atomic.LongAdder retriesRefused = new java.util.concurrent.atomic.LongAdder();

  /** The route's circuit breaker. */
  public RouteBreaker breaker() {
    return breaker;
  }
}
