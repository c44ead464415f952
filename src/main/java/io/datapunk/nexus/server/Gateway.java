package io.datapunk.nexus.server;

import io.datapunk.nexus.admin.AdminApi;
import io.datapunk.nexus.admin.AdminServer;
import io.datapunk.nexus.cache.ResponseCache;
import io.datapunk.nexus.compress.ResponseCompression;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.admin.AdminHooks;
import io.datapunk.nexus.observability.Observability;
import io.datapunk.nexus.observability.ServiceStates;
import io.datapunk.nexus.pipeline.ExchangeListener;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.Pipeline;
import io.datapunk.nexus.pipeline.RouteFilterFactory;
import io.datapunk.nexus.proxy.ServiceState;
import io.datapunk.nexus.proxy.UpstreamServices;
import io.datapunk.nexus.redis.RedisCluster;
import io.datapunk.nexus.routing.Route;
import io.datapunk.nexus.routing.RouteTable;
import io.datapunk.nexus.transform.TransformFilter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running gateway: the data-plane listeners, the upstream pools and the admin plane. */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /** The per-route filter factories; their {@link io.datapunk.nexus.pipeline.Stage} sets the order. */
  private static final List<RouteFilterFactory> FILTERS = List.of(TransformFilter.factory());

  private final Vertx vertx;
  private final NexusConfig config;
  private final UpstreamServices services;
  private final Pipeline pipeline;
  private final Observability observability;
  private final RedisCluster redis;
  private final ResponseCache cache;
  private int port;
  private AdminServer admin;
  private volatile boolean ready;

  private Gateway(Vertx vertx, NexusConfig config, UpstreamServices services, Pipeline pipeline,
                  Observability observability, RedisCluster redis, ResponseCache cache) {
    this.vertx = vertx;
    this.redis = redis;
    this.cache = cache;
    this.observability = observability;
    this.config = config;
    this.services = services;
    this.pipeline = pipeline;
  }

  /** Starts a gateway on its own Vert.x instance; completes when both ports listen and pools are warm. */
  public static Future<Gateway> start(NexusConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** As {@link #start(NexusConfig)}, with the clock of the circuit breakers (tests move it by hand). */
  public static Future<Gateway> start(NexusConfig config, Clock clock) {
    Observability observability;
    try {
      observability = Observability.create(config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(config.server().eventLoops())
            .setBlockedThreadCheckInterval(2).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS))
        .build();
    UpstreamServices services = UpstreamServices.create(vertx, config, clock);
    // The dashboard, /admin/breakers, nexus status and the service gauges read the resilience
    // capability's view of instances, health and breakers.
    observability.metrics().serviceStates(() -> serviceStates(services.snapshot()));
    observability.adminHooks().register(AdminHooks.Capability.BREAKERS, call -> BreakerControl.handle(services, call));
    RedisCluster redis = RedisCluster.create(config.redis());
    ResponseCache cache = ResponseCache.create(vertx, config, redis, observability);
    List<RouteFilterFactory> factories = new ArrayList<>(FILTERS);
    if (cache != null) {
      factories.add(cache.filterFactory());
      observability.adminHooks().register(AdminHooks.Capability.CACHE_PURGE, cache.purgeHandler());
    }
    List<Route> routes = new ArrayList<>();
    for (RouteConfig rc : config.routes()) {
      routes.add(new Route(rc, filters(rc, config, observability, factories), services.upstream(rc.name())));
    }
    List<ExchangeListener> listeners = observability.listeners();
    Pipeline pipeline = new Pipeline(new RouteTable(routes), listeners, ResponseCompression.of(config.compression()));
    Gateway gateway = new Gateway(vertx, config, services, pipeline, observability, redis, cache);
    // On failure Vert.x is closed from outside its event loops (a close started on one of them never completes).
    return Future.fromCompletionStage(gateway.listen().toCompletionStage()
        .handle((g, e) -> e)
        .thenComposeAsync(e -> {
          if (e == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(gateway);
          }
          LOG.error("nexus could not start: {}", e.toString());
          gateway.closeCache();
          return vertx.close().toCompletionStage().handle((v, x) -> {
            observability.close();
            throw new java.util.concurrent.CompletionException(e);
          });
        }));
  }

  /** The resilience capability's snapshot as the observability view (breaker "disabled" reads "none"). */
  static List<ServiceStates.ServiceState> serviceStates(List<ServiceState> snapshot) {
    List<ServiceStates.ServiceState> out = new ArrayList<>(snapshot.size());
    for (ServiceState s : snapshot) {
      List<ServiceStates.InstanceState> instances = new ArrayList<>(s.instances().size());
      boolean available = false;
      for (ServiceState.InstanceState i : s.instances()) {
        String address = i.url().replaceFirst("^[a-z]+://", "").replaceFirst("/.*$", "");
        instances.add(new ServiceStates.InstanceState(address, i.available()));
        available |= i.available();
      }
      String breaker = switch (s.breaker().state()) {
        case "closed", "open", "half_open" -> s.breaker().state();
        case "forced_open" -> "open";
        default -> ServiceStates.NO_BREAKER;
      };
      out.add(new ServiceStates.ServiceState(s.name(), available, breaker, instances));
    }
    return out;
  }

  static Filter[] filters(RouteConfig route, NexusConfig config, Observability observability,
                          List<RouteFilterFactory> factories) {
    List<RouteFilterFactory> ordered = new ArrayList<>(factories);
    ordered.sort(Comparator.comparing(RouteFilterFactory::stage));
    List<Filter> out = new ArrayList<>();
    for (RouteFilterFactory f : ordered) {
      Filter filter = f.create(route, config, observability);
      if (filter != null) {
        out.add(filter);
      }
    }
    return out.toArray(new Filter[0]);
  }

  private Future<Gateway> listen() {
    Future<Void> warm = services.start();
    int loops = config.server().eventLoops();
    // One deployment of one listener per event loop: Vert.x shares the port among them (a random
    // port too, when the configured port is 0).
    List<GatewayVerticle> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
          GatewayVerticle v = new GatewayVerticle(config.server(), config.server().port(), pipeline);
          listeners.add(v);
          return v;
        }, new DeploymentOptions().setInstances(loops))
        .map(id -> {
          port = listeners.get(0).actualPort();
          return null;
        })
        .compose(v -> AdminServer.start(vertx, config.admin(), () -> ready,
            new AdminApi(this::config, pipeline::routes, observability, () -> ServiceState.toJson(services()))))
        .compose(a -> {
          admin = a;
          return warm;
        })
        .map(v -> {
          if (cache != null) {
            cache.start(config.server().host(), port);
          }
          ready = true;
          services.register(port, admin.port());
          LOG.info("nexus listening on {}:{} (admin {}:{}), {} routes, {} event loops, native transport: {}",
              config.server().host(), port, config.admin().host(), admin.port(), config.routes().size(), loops,
              vertx.isNativeTransportEnabled());
          return this;
        });
  }

  public int port() {
    return port;
  }

  public int adminPort() {
    return admin.port();
  }

  public NexusConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The gateway's metrics, logs, recent errors and admin hooks. */
  public Observability observability() {
    return observability;
  }

  /** The services behind the routes: instances, their health, breakers and retries (a snapshot). */
  public List<ServiceState> services() {
    return services.snapshot();
  }

  /** The upstream services (for tests and the admin plane). */
  public UpstreamServices upstreamServices() {
    return services;
  }

  /** Stops listening, deregisters from Consul, closes the pools and the event loops. */
  public Future<Void> stop() {
    ready = false;
    // Vert.x is closed from outside its event loops: a close started on one of them would report its
    // completion to a loop that no longer runs.
    return Future.fromCompletionStage(services.stop().toCompletionStage()
        .exceptionally(e -> null)
        .thenComposeAsync(v -> {
          closeCache();
          return vertx.close().toCompletionStage();
        })
        .whenComplete((v, e) -> observability.close())); // then the logs are written out and closed
  }

  /** The response cache, or null when no route caches. */
  public ResponseCache cache() {
    return cache;
  }

  private void closeCache() {
    if (cache != null) {
      cache.stop();
    }
    if (redis != null) {
      redis.close();
    }
  }
}
