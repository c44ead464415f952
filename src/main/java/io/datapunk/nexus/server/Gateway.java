package io.datapunk.nexus.server;

import io.datapunk.nexus.admin.AdminApi;
import io.datapunk.nexus.admin.AdminServer;
import io.datapunk.nexus.auth.ApiKeyAdmin;
import io.datapunk.nexus.auth.EdgeAuth;
import io.datapunk.nexus.cache.ResponseCache;
import io.datapunk.nexus.compress.ResponseCompression;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.admin.AdminHooks;
import io.datapunk.nexus.pipeline.ErrorResponse;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.observability.Observability;
import io.datapunk.nexus.observability.ServiceStates;
import io.datapunk.nexus.pipeline.ExchangeListener;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.Pipeline;
import io.datapunk.nexus.pipeline.RouteFilterFactory;
import io.datapunk.nexus.proxy.ServiceState;
import io.datapunk.nexus.proxy.UpstreamServices;
import io.datapunk.nexus.ratelimit.RateLimiting;
import io.datapunk.nexus.redis.RedisCluster;
import io.datapunk.nexus.sanitize.EdgeResponses;
import io.datapunk.nexus.validation.RequestValidator;
import io.datapunk.nexus.transform.TransformFilter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running gateway: the data-plane listeners, the upstream pools and the admin plane. */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /** The per-route filter factories; their {@link io.datapunk.nexus.pipeline.Stage} sets the order. */
  private static final List<RouteFilterFactory> FILTERS = List.of(TransformFilter.factory());

  private final Vertx vertx;
  private final NexusConfig startConfig;
  private volatile NexusConfig config;
  private volatile UpstreamServices services;
  private final Pipeline pipeline;
  private final Observability observability;
  private final RedisCluster redis;
  private final ResponseCache cache;
  private final List<RouteFilterFactory> factories;
  private final EdgeAuth auth;
  private final RateLimiting rateLimits;
  private final Drain drain = new Drain();
  private final List<GatewayVerticle> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile ConfigReloader reloader;
  private int port;
  private AdminServer admin;
  private volatile boolean ready;

  private Gateway(Vertx vertx, NexusConfig config, UpstreamServices services, Pipeline pipeline,
                  Observability observability, RedisCluster redis, ResponseCache cache,
                  List<RouteFilterFactory> factories, EdgeAuth auth, RateLimiting rateLimits) {
    this.vertx = vertx;
    this.auth = auth;
    this.rateLimits = rateLimits;
    this.redis = redis;
    this.cache = cache;
    this.factories = factories;
    this.observability = observability;
    this.startConfig = config;
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
            .setBlockedThreadCheckInterval(2).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS)
            // Vert.x otherwise sets and restores the thread's context class loader around every
            // event it dispatches (several per request); one application class loader needs none.
            .setDisableTCCL(true))
        .build();
    UpstreamServices services = UpstreamServices.create(vertx, config, clock);
    // The response cache's tiers are set at start (cache_strategy and redis need a restart); each
    // route's cache policy is read with its filters, so a reload can change it.
    RedisCluster redis = RedisCluster.create(config.redis());
    ResponseCache cache = ResponseCache.create(vertx, config, redis, observability);
    List<RouteFilterFactory> factories = new ArrayList<>(FILTERS);
    // Edge security: CORS and response sanitizing, authentication (JWT, API keys, with the API key
    // admin endpoints), rate limits; input validation runs in the pipeline itself. Their runtime
    // (keys, JWKS, buckets) is set at start; a reload changes the routes' policies.
    EdgeAuth auth = EdgeAuth.start(vertx, config, observability.audit());
    observability.adminHooks().register(AdminHooks.Capability.API_KEYS, new ApiKeyAdmin(vertx, auth));
    RateLimiting rateLimits = RateLimiting.start(config, observability.audit());
    factories.add(EdgeResponses.sanitizer());
    factories.add(EdgeResponses.cors());
    factories.add(auth);
    factories.add(rateLimits);
    if (cache != null) {
      factories.add(cache.filterFactory());
      observability.adminHooks().register(AdminHooks.Capability.CACHE_PURGE, cache.purgeHandler());
    }
    List<ExchangeListener> listeners = observability.listeners();
    Pipeline pipeline = new Pipeline(
        ServicePools.routes(config, services, (rc, c) -> filters(rc, c, observability, factories)),
        listeners, ResponseCompression.of(config.compression()),
        new RequestValidator(config.security().limits(), observability.audit()));
    Gateway gateway = new Gateway(vertx, config, services, pipeline, observability, redis, cache, factories, auth,
        rateLimits);
    // The dashboard, /admin/breakers, nexus status and the service gauges read the resilience
    // capability's view of instances, health and breakers (of the services in force: a reload swaps them).
    observability.metrics().serviceStates(() -> serviceStates(gateway.services.snapshot()));
    observability.adminHooks().register(AdminHooks.Capability.BREAKERS,
        call -> BreakerControl.handle(gateway.services, call));
    // On failure Vert.x is closed from outside its event loops (a close started on one of them never completes).
    return Future.fromCompletionStage(gateway.listen().toCompletionStage()
        .handle((g, e) -> e)
        .thenComposeAsync(e -> {
          if (e == null) {
            return java.util.concurrent.CompletableFuture.completedFuture(gateway);
          }
          LOG.error("nexus could not start: {}", e.toString());
          gateway.closeCache();
          auth.stop();
          rateLimits.close();
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
    return vertx.deployVerticle(() -> {
          GatewayVerticle v = new GatewayVerticle(config.server(), config.server().port(), pipeline, drain,
              observability.audit(), config.security().tls());
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

  /** The config in force: the one started with, or the last one a reload applied. */
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

  /** The route filters of a config, as the gateway builds them (for the reloader). */
  BiFunction<RouteConfig, NexusConfig, Filter[]> filters() {
    return (rc, c) -> filters(rc, c, observability, factories);
  }

  /**
   * Reloads from {@code file} on demand ({@code POST /admin/config/reload}, SIGHUP) and, when
   * {@code reload.watch} is on, when the file changes. Call once, after start.
   */
  public synchronized ConfigReloader enableReload(Path file) {
    if (reloader == null) {
      ConfigReloader r = new ConfigReloader(this, file);
      reloader = r;
      observability.adminHooks().register(AdminHooks.Capability.CONFIG_RELOAD,
          call -> r.reload("admin").onComplete(ar -> {
            ReloadResult result = ar.result();
            if (result.rejected()) {
              // The error format, with the reasons beside it.
              call.reply(400, new JsonObject(ErrorResponse.body(GatewayError.VALIDATION,
                  "The config was not applied; the running config is unchanged.", call.requestId()))
                  .put("reload", result.toJson()));
            } else {
              call.reply(200, result.toJson());
            }
          }));
      r.watch(config.reload());
    }
    return reloader;
  }

  /** The reloader, or null when the gateway runs without a config file. */
  public ConfigReloader reloader() {
    return reloader;
  }

  NexusConfig startConfig() {
    return startConfig;
  }

  /** Swaps in a reloaded config's routes and services; requests in flight keep the route they matched. */
  void apply(ServicePools.Plan plan) {
    services = plan.services();
    pipeline.routes(plan.table());
    config = plan.config();
  }

  /** Whether the gateway takes traffic: started and not draining. */
  public boolean ready() {
    return ready;
  }

  /**
   * Stops gracefully (SIGTERM): readiness answers 503 at once, the Consul registration is removed and
   * the listeners refuse new connections; requests in flight finish, and each open connection is
   * closed after its next response (HTTP/1.1 {@code Connection: close}, HTTP/2 GOAWAY) or when the
   * client closes it; after {@code server.drain_timeout} whatever is left is closed, then everything else.
   */
  public Future<Void> drain() {
    Duration timeout = config.server().drainTimeout();
    if (!drain.start(timeout)) {
      return Future.succeededFuture();
    }
    ready = false;
    long started = System.nanoTime();
    LOG.info("nexus draining: readiness 503, no new connections, up to {} ms for requests and open connections",
        timeout.toMillis());
    if (reloader != null) {
      reloader.stop();
    }
    // Leave Consul's list now rather than when its check next fails.
    if (services.registration() != null) {
      services.registration().stop();
    }
    List<Future<Void>> closing = new ArrayList<>();
    for (GatewayVerticle l : listeners) {
      closing.add(l.drain(timeout.toMillis(), true));
    }
    return Future.fromCompletionStage(Future.join(closing).toCompletionStage()
        .handle((v, e) -> null)
        .thenComposeAsync(v -> {
          LOG.info("nexus drained in {} ms; stopping", (System.nanoTime() - started) / 1_000_000);
          return stop().toCompletionStage();
        }));
  }

  /** Stops listening, deregisters from Consul, closes the pools and the event loops. */
  public Future<Void> stop() {
    ready = false;
    if (reloader != null) {
      reloader.stop();
    }
    // Vert.x is closed from outside its event loops: a close started on one of them would report its
    // completion to a loop that no longer runs.
    return Future.fromCompletionStage(services.stop().toCompletionStage()
        .exceptionally(e -> null)
        .thenComposeAsync(v -> {
          closeCache();
          auth.stop();
          return vertx.close().toCompletionStage();
        })
        .whenComplete((v, e) -> {
          rateLimits.close();
          observability.close(); // then the logs are written out and closed
        }));
  }

  /** The authentication runtime (API key store, JWT verifier). */
  public EdgeAuth auth() {
    return auth;
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
