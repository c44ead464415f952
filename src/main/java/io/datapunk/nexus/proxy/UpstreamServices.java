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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The services behind a gateway's routes: per route its instances (static, or followed in Consul),
 * their pools, health checks and the route's {@link HttpUpstream}; and the gateway's own Consul
 * registration when configured. A config reload builds a {@link #successor} that takes over the
 * services whose settings are unchanged, running, with their open pooled connections.
 */
public final class UpstreamServices {
  /** What a reload does with a route's service. */
  public enum Reuse {
    /** Keep it all, the route's upstream too (its breaker, outlier and retry-budget state): nothing changed. */
    WHOLE,
    /** Keep the instances, their pool, health checks and Consul watch; a new upstream applies the route's new policies. */
    SERVICE,
    /** Build it anew (a new route, or its address, discovery, health check or pool settings changed). */
    NONE
  }

  /** One route's service. The parts are shared by every generation that took it over. */
  private static final class Service {
    final InstanceSet instances;
    final UpstreamPool pool;
    final HealthChecker checker;
    final ConsulWatcher watcher;
    final HttpUpstream upstream;
    boolean started;

    Service(InstanceSet instances, UpstreamPool pool, HealthChecker checker, ConsulWatcher watcher, HttpUpstream upstream) {
      this.instances = instances;
      this.pool = pool;
      this.checker = checker;
      this.watcher = watcher;
      this.upstream = upstream;
    }
  }

  private final Vertx vertx;
  private final NexusConfig config;
  private final Clock clock;
  private final Map<String, Service> services = new LinkedHashMap<>();
  private HttpClient consul;
  private ConsulRegistration registration;

  private UpstreamServices(Vertx vertx, NexusConfig config, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
  }

  /** Builds every route's upstream; nothing runs until {@link #start()}. */
  public static UpstreamServices create(Vertx vertx, NexusConfig config, Clock clock) {
    UpstreamServices s = new UpstreamServices(vertx, config, clock);
    for (RouteConfig rc : config.routes()) {
      s.services.put(rc.name(), s.newService(rc));
    }
    return s;
  }

  private Service newService(RouteConfig rc) {
    UpstreamConfig uc = rc.upstream();
    boolean consulRoute = UpstreamConfig.CONSUL.equals(uc.discovery());
    boolean https = consulRoute ? rc.serviceUrl() != null && "https".equals(rc.serviceUrl().getScheme())
        : "https".equals(staticAddresses(rc).get(0).scheme());
    InstanceSet instances = new InstanceSet(rc.name());
    UpstreamPool pool = UpstreamPool.create(vertx, rc.name(), https, config.pool(), rc.http2(),
        config.security().tls().upstreamCa());
    ConsulWatcher watcher = null;
    if (consulRoute) {
      watcher = new ConsulWatcher(vertx, consulClient(), config.discovery().consul(), uc.consulService(),
          https ? "https" : "http", rc.basePath(), addresses -> {
            for (Instance i : instances.update(addresses)) {
              pool.warm(i);
            }
          });
    } else {
      instances.update(staticAddresses(rc));
    }
    HealthChecker checker = uc.healthCheck().enabled() ? new HealthChecker(vertx, uc.healthCheck(), instances, https) : null;
    return new Service(instances, pool, checker, watcher, new HttpUpstream(vertx, rc, pool, instances, clock));
  }

  /**
   * The services of a reloaded config: each route takes over the service of the same name as
   * {@code reuse} says (see {@link Reuse}), others get new ones. Nothing new runs until
   * {@link #start()}; nothing of this generation stops until {@link #retire}.
   */
  public UpstreamServices successor(NexusConfig next, Function<RouteConfig, Reuse> reuse) {
    UpstreamServices s = new UpstreamServices(vertx, next, clock);
    s.consul = consul;
    s.registration = registration;
    for (RouteConfig rc : next.routes()) {
      Service old = services.get(rc.name());
      Reuse r = old == null ? Reuse.NONE : reuse.apply(rc);
      Service service = switch (r) {
        case WHOLE -> old;
        case SERVICE -> {
          Service kept = new Service(old.instances, old.pool, old.checker, old.watcher,
              new HttpUpstream(vertx, rc, old.pool, old.instances, clock));
          kept.started = old.started;
          yield kept;
        }
        case NONE -> s.newService(rc);
      };
      s.services.put(rc.name(), service);
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

  /** The upstream of a route. */
  public HttpUpstream upstream(String route) {
    Service s = services.get(route);
    return s == null ? null : s.upstream;
  }

  /**
   * Warms the static pools, starts health checks and Consul watches of every service not yet running
   * (all of them at start; after a reload, the new ones); completes when those pools are warm.
   */
  public Future<Void> start() {
    List<Future<?>> warm = new ArrayList<>();
    for (Service s : services.values()) {
      if (s.started) {
        continue;
      }
      s.started = true;
      for (Instance i : s.instances.all()) {
        warm.add(s.pool.warm(i));
      }
      if (s.checker != null) {
        s.checker.start();
      }
      if (s.watcher != null) {
        s.watcher.start();
      }
    }
    return Future.join(warm).mapEmpty();
  }

  /** How many services {@code next} took over from this generation (each counted once). */
  public int keptBy(UpstreamServices next) {
    Set<UpstreamPool> used = next.pools();
    return (int) pools().stream().filter(used::contains).count();
  }

  /**
   * After {@code next} replaced this generation: stops the health checks and Consul watches of the
   * services it did not take over, and closes their pools {@code grace} later (an exchange that matched
   * an old route just before the swap may still ask for a connection), gracefully: each connection
   * closes when its request in flight is done, at most {@code grace} after that. Returns how many.
   */
  public int retire(UpstreamServices next, Duration grace) {
    Set<UpstreamPool> used = next.pools();
    List<UpstreamPool> unused = new ArrayList<>();
    Set<UpstreamPool> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Service s : services.values()) {
      if (used.contains(s.pool) || !seen.add(s.pool)) {
        continue;
      }
      if (s.checker != null) {
        s.checker.stop();
      }
      if (s.watcher != null) {
        s.watcher.stop();
      }
      unused.add(s.pool);
    }
    if (!unused.isEmpty()) {
      vertx.setTimer(Math.max(1, grace.toMillis()), id -> unused.forEach(p -> p.shutdown(grace)));
    }
    return unused.size();
  }

  /** Closes what a successor created, when it is not going to be used (a reload that failed late). */
  public void discard(UpstreamServices previous) {
    Set<UpstreamPool> old = previous.pools();
    for (Service s : services.values()) {
      if (!old.contains(s.pool)) {
        if (s.checker != null) {
          s.checker.stop();
        }
        if (s.watcher != null) {
          s.watcher.stop();
        }
        s.pool.close();
      }
    }
  }

  private Set<UpstreamPool> pools() {
    Set<UpstreamPool> out = Collections.newSetFromMap(new IdentityHashMap<>());
    services.values().forEach(s -> out.add(s.pool));
    return out;
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
    List<ServiceState> out = new ArrayList<>(services.size());
    for (Service s : services.values()) {
      out.add(s.upstream.state());
    }
    return out;
  }

  /** Stops checks and watches and deregisters from Consul; pools close with the Vert.x instance. */
  public Future<Void> stop() {
    for (Service s : services.values()) {
      if (s.checker != null) {
        s.checker.stop();
      }
      if (s.watcher != null) {
        s.watcher.stop();
      }
    }
    return registration == null ? Future.succeededFuture() : registration.stop();
  }
}
