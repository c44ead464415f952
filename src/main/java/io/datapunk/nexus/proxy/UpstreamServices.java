package io.datapunk.nexus.proxy;

import io.datapunk.nexus.config.DiscoveryConfig;
import io.datapunk.nexus.config.InstanceConfig;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.config.UpstreamConfig;
import io.datapunk.nexus.discovery.ConsulRegistration;
import io.datapunk.nexus.discovery.ConsulWatcher;
import io.datapunk.nexus.discovery.HealthChecker;
import io.datapunk.nexus.discovery.Instance;
import io.datapunk.nexus.discovery.InstanceSet;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services behind a gateway's routes: per route its instances (static, or followed in Consul),
 * their pools, health checks and the route's {@link HttpUpstream}; and the gateway's own Consul
 * registration when configured.
 */
public final class UpstreamServices {
  private final Vertx vertx;
  private final NexusConfig config;
  private final Map<String, HttpUpstream> upstreams = new LinkedHashMap<>();
  private final List<HealthChecker> checkers = new ArrayList<>();
  private final List<ConsulWatcher> watchers = new ArrayList<>();
  private HttpClient consul;
  private ConsulRegistration registration;

  private UpstreamServices(Vertx vertx, NexusConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /** Builds every route's upstream; nothing runs until {@link #start()}. */
  public static UpstreamServices create(Vertx vertx, NexusConfig config, Clock clock) {
    UpstreamServices s = new UpstreamServices(vertx, config);
    for (RouteConfig rc : config.routes()) {
      UpstreamConfig uc = rc.upstream();
      boolean consulRoute = UpstreamConfig.CONSUL.equals(uc.discovery());
      boolean https = consulRoute ? rc.serviceUrl() != null && "https".equals(rc.serviceUrl().getScheme())
          : "https".equals(staticAddresses(rc).get(0).scheme());
      InstanceSet instances = new InstanceSet(rc.name());
      if (consulRoute) {
        s.watchers.add(new ConsulWatcher(vertx, s.consulClient(), config.discovery().consul(), uc.consulService(),
            https ? "https" : "http", rc.basePath(), addresses -> s.discovered(rc, instances, addresses)));
      } else {
        instances.update(staticAddresses(rc));
      }
      if (uc.healthCheck().enabled()) {
        s.checkers.add(new HealthChecker(vertx, uc.healthCheck(), instances, https));
      }
      UpstreamPool pool = UpstreamPool.create(vertx, rc.name(), https, config.pool(), rc.http2());
      s.upstreams.put(rc.name(), new HttpUpstream(vertx, rc, pool, instances, clock));
    }
    return s;
  }

  /** The instances of a static route: its {@code instances}, or its {@code service_url} alone. */
  static List<Instance.Address> staticAddresses(RouteConfig rc) {
    List<Instance.Address> out = new ArrayList<>();
    if (!rc.upstream().instances().isEmpty()) {
      for (InstanceConfig i : rc.upstream().instances()) {
        out.add(address(i.url(), i.weight()));
      }
    } else if (rc.serviceUrl() != null) {
      out.add(address(rc.serviceUrl(), InstanceConfig.DEFAULT_WEIGHT));
    }
    return out;
  }

  private static Instance.Address address(URI url, int weight) {
    boolean https = "https".equals(url.getScheme());
    String p = url.getRawPath();
    String basePath = p == null || p.isEmpty() || p.equals("/") ? "" : (p.endsWith("/") ? p.substring(0, p.length() - 1) : p);
    String host = url.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Instance.Address(url.getScheme(), host, url.getPort() > 0 ? url.getPort() : (https ? 443 : 80),
        basePath, weight);
  }

  private HttpClient consulClient() {
    if (consul == null) {
      consul = vertx.createHttpClient(new HttpClientOptions().setName("nexus-consul").setKeepAlive(true)
          .setConnectTimeout(2_000));
    }
    return consul;
  }

  private void discovered(RouteConfig rc, InstanceSet instances, List<Instance.Address> addresses) {
    List<Instance> added = instances.update(addresses);
    HttpUpstream upstream = upstreams.get(rc.name());
    for (Instance i : added) {
      upstream.pool.warm(i);
    }
  }

  /** The upstream of a route. */
  public HttpUpstream upstream(String route) {
    return upstreams.get(route);
  }

  /** Warms the static pools, starts health checks and Consul watches; completes when the pools are warm. */
  public Future<Void> start() {
    List<Future<?>> warm = new ArrayList<>();
    for (HttpUpstream u : upstreams.values()) {
      for (Instance i : u.instances.all()) {
        warm.add(u.pool.warm(i));
      }
    }
    checkers.forEach(HealthChecker::start);
    watchers.forEach(ConsulWatcher::start);
    return Future.join(warm).mapEmpty();
  }

  /** Registers the gateway in Consul when {@code discovery.consul.register.enabled}. */
  public void register(int dataPort, int adminPort) {
    DiscoveryConfig.Consul c = config.discovery().consul();
    if (c.register().enabled()) {
      registration = new ConsulRegistration(vertx, consulClient(), c, dataPort, adminPort);
      registration.start();
    }
  }

  /** The gateway's Consul registration, or null. */
  public ConsulRegistration registration() {
    return registration;
  }

  /** A snapshot of every route's service, in config order. */
  public List<ServiceState> snapshot() {
    List<ServiceState> out = new ArrayList<>(upstreams.size());
    for (HttpUpstream u : upstreams.values()) {
      out.add(u.state());
    }
    return out;
  }

  /** Stops checks and watches and deregisters from Consul; pools close with the Vert.x instance. */
  public Future<Void> stop() {
    checkers.forEach(HealthChecker::stop);
    watchers.forEach(ConsulWatcher::stop);
    return registration == null ? Future.succeededFuture() : registration.stop();
  }
}
