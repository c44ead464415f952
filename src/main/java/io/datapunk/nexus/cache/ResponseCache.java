package io.datapunk.nexus.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.datapunk.nexus.admin.AdminHooks;
import io.datapunk.nexus.config.CacheStrategyConfig;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteCacheConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.observability.CacheMetrics;
import io.datapunk.nexus.observability.Metrics;
import io.datapunk.nexus.observability.Observability;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.RouteFilterFactory;
import io.datapunk.nexus.pipeline.Stage;
import io.datapunk.nexus.redis.RedisCluster;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's two-level response cache: the local tier (L1) of this instance, the shared tier (L2)
 * on the Redis Cluster when {@code redis.nodes} is set, coalescing of concurrent misses, versioned
 * write-through, invalidation across instances, and warming. One per gateway; each cached route gets
 * a {@link CacheFilter} at {@link Stage#CACHE}.
 *
 * <p>Availability comes first: Redis is asked with a bounded wait and skipped while it fails, so no
 * request fails or waits long because of the cache (see {@link RedisTier}).
 */
public final class ResponseCache {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);

  final Vertx vertx;
  final CacheStrategyConfig config;
  final LocalCache l1;
  final RedisTier l2;
  final CacheStats stats = new CacheStats();
  final Map<String, Flight> flights = new ConcurrentHashMap<>();
  final Map<String, CachedRoute> routes = new LinkedHashMap<>();
  final String instance = UUID.randomUUID().toString();
  /** Secret of this process's own refresh requests (warming, stale-while-revalidate, hot keys). */
  final String refreshToken = UUID.randomUUID().toString();
  final LongSupplier clock;
  private final AtomicLong lastVersion = new AtomicLong();
  /** Paths invalidated lately, with the version: a slower fetch started before must not be stored. */
  private final Cache<String, Long> recentInvalidations;
  private final InvalidationBus bus;
  private final long maxTimeoutMillis;
  private Refresher refresher;
  private long nsTimer = -1;

  private ResponseCache(Vertx vertx, NexusConfig config, RedisCluster redis, LongSupplier clock) {
    this.vertx = vertx;
    this.config = config.cache();
    this.clock = clock;
    long heapBudget = Runtime.getRuntime().maxMemory() / 4;
    long size = this.config.localSize();
    if (size > heapBudget) {
      LOG.warn("response cache: secondary.size {} bytes does not fit the JVM heap ({} bytes max); the local tier holds at most {} bytes (raise -Xmx in NEXUS_JAVA_OPTS)",
          size, Runtime.getRuntime().maxMemory(), heapBudget);
      size = heapBudget;
    }
    this.l1 = new LocalCache(size, this.config.tinyLfu(), clock);
    long maxTimeout = 0;
    long longestEntry = 0;
    for (RouteConfig rc : config.routes()) {
      if (rc.cache().enabled()) {
        routes.put(rc.name(), new CachedRoute(rc, stats.route(rc.name())));
        maxTimeout = Math.max(maxTimeout, rc.timeout().toMillis());
        RouteCacheConfig p = rc.cache();
        longestEntry = Math.max(longestEntry,
            p.maxTtl().toMillis() + Math.max(p.maxTtl().toMillis(),
                Math.max(p.staleWhileRevalidate().toMillis(), p.staleIfError().toMillis())));
      }
    }
    this.l2 = redis == null ? null : new RedisTier(redis, this.config, stats, longestEntry);
    this.maxTimeoutMillis = maxTimeout;
    this.recentInvalidations = Caffeine.newBuilder().maximumSize(100_000)
        .expireAfterWrite(Duration.ofMillis(maxTimeout + 60_000)).executor(Runnable::run).build();
    this.bus = redis == null ? null : new InvalidationBus(redis, vertx, this::onEvent, this::resync);
    stats.tiers(l1::bytes, l1::entries, () -> l2 != null && l2.available());
  }

  /**
   * The cache of a gateway, or null when no route caches. Its counters are registered with the
   * gateway's metrics: {@code nexus_cache_requests_total{route,tier,result}}, the hit ratio and the
   * L1 size ({@code nexus_cache_*}), {@code nexus_redis_up{client="cache"}}, and the counters below.
   */
  public static ResponseCache create(Vertx vertx, NexusConfig config, RedisCluster redis, Observability observability) {
    for (RouteConfig rc : config.routes()) {
      if (rc.cache().enabled()) {
        ResponseCache cache = new ResponseCache(vertx, config, redis, System::currentTimeMillis);
        if (observability != null) {
          cache.register(observability.metrics());
        }
        return cache;
      }
    }
    return null;
  }

  private void register(Metrics metrics) {
    CacheMetrics m = metrics.cache();
    m.size("l1", l1::entries, l1::bytes);
    if (l2 != null) {
      metrics.redis("cache", l2::available);
    }
    MeterRegistry registry = metrics.registry();
    FunctionCounter.builder("nexus.cache.redis.errors", stats, s -> s.redisErrors())
        .description("Redis calls of the cache that failed or timed out (the request went on without Redis)")
        .register(registry);
    FunctionCounter.builder("nexus.cache.invalidations.received", stats, s -> s.invalidationsReceived())
        .description("Invalidation events from other instances applied to this instance's L1").register(registry);
    for (CachedRoute r : routes.values()) {
      r.stats.metrics(m.route(r.name));
      CacheStats.Route rs = r.stats;
      FunctionCounter.builder("nexus.cache.stores", rs, x -> x.stores()).tag("route", r.name).tag("result", "stored")
          .description("Responses written to the cache").register(registry);
      FunctionCounter.builder("nexus.cache.stores", rs, x -> x.storesRefused()).tag("route", r.name)
          .tag("result", "refused").description("Responses written to the cache").register(registry);
      FunctionCounter.builder("nexus.cache.coalesced", rs, x -> x.coalesced()).tag("route", r.name)
          .description("Misses that waited for another request's upstream call").register(registry);
      FunctionCounter.builder("nexus.cache.revalidated", rs, x -> x.revalidated()).tag("route", r.name)
          .description("Expired entries the service confirmed with 304").register(registry);
      FunctionCounter.builder("nexus.cache.invalidations", rs, x -> x.invalidations()).tag("route", r.name)
          .description("Path invalidations started here (unsafe methods, purges)").register(registry);
    }
  }

  /** The handler of {@code POST /admin/cache/purge} (the admin API checks the token and audits). */
  public AdminHooks.Handler purgeHandler() {
    return new CacheAdmin(this)::handle;
  }

  /** The factory of the routes' cache filters, for the gateway's filter list. */
  public RouteFilterFactory filterFactory() {
    return RouteFilterFactory.of(Stage.CACHE, (route, config) -> {
      CachedRoute r = routes.get(route.name());
      return r == null ? null : new CacheFilter(this, r);
    });
  }

  /** Connects to Redis in the background and starts warming, once the data port listens. */
  public void start(String host, int port) {
    refresher = new Refresher(this, host, port);
    if (l2 != null) {
      l2.start(() -> vertx.runOnContext(v -> loadNamespaces()));
      bus.start();
      // Namespace bumps are also read periodically: a missed event is corrected within 5 s.
      nsTimer = vertx.setPeriodic(5_000, id -> loadNamespaces());
    }
    refresher.start();
  }

  public void stop() {
    if (nsTimer >= 0) {
      vertx.cancelTimer(nsTimer);
    }
    if (bus != null) {
      bus.close();
    }
    if (refresher != null) {
      refresher.close();
    }
  }

  public CacheStats stats() {
    return stats;
  }

  /** Whether the shared tier is fully in use: Redis answers, namespaces known, events subscribed. */
  boolean sharedTierReady() {
    if (l2 == null || !l2.available() || bus == null || !bus.subscribed()) {
      return false;
    }
    for (CachedRoute r : routes.values()) {
      if (!r.namespaceKnown) {
        return false;
      }
    }
    return true;
  }

  /** A version that orders writes: wall-clock microseconds, strictly increasing within the instance. */
  long nextVersion() {
    long now = clock.getAsLong() * 1000;
    return lastVersion.accumulateAndGet(now, (last, n) -> Math.max(last + 1, n));
  }

  boolean l2Usable(CachedRoute route) {
    return l2 != null && route.namespaceKnown && l2.available();
  }

  // ------------------------------------------------------------------ storing

  /** Write-through: L1 now, L2 with the compare-and-set; an L1 copy Redis refuses as older is dropped. */
  void store(CachedRoute route, CachedResponse marker, CachedResponse entry) {
    Long invalidatedAt = recentInvalidations.getIfPresent(LocalCache.resource(entry.route, entry.path));
    if (invalidatedAt != null && invalidatedAt >= entry.version) {
      route.stats.storesRefused.increment();
      return;
    }
    if (marker != null) {
      l1.put(marker);
    }
    l1.put(entry);
    route.stats.stores.increment();
    if (!l2Usable(route)) {
      return;
    }
    long now = clock.getAsLong();
    long ttl = Math.max(1000, entry.removeAt() - now);
    long indexTtl = ttl + 60_000;
    if (entry.body.length() >= config.compressMinSize()) {
      // Deflating a large body is kept off the event loop.
      vertx.<byte[]>executeBlocking(() -> EntryCodec.encode(entry, config.compressMinSize()), false)
          .onSuccess(value -> write(route, marker, entry, value, ttl, indexTtl));
    } else {
      write(route, marker, entry, EntryCodec.encode(entry, config.compressMinSize()), ttl, indexTtl);
    }
  }

  private void write(CachedRoute route, CachedResponse marker, CachedResponse entry, byte[] value, long ttl,
                     long indexTtl) {
    if (marker != null) {
      l2.write(marker, EntryCodec.encode(marker, Long.MAX_VALUE), ttl, indexTtl);
    }
    l2.write(entry, value, ttl, indexTtl).whenComplete((r, e) -> {
      if (r != null && r != 1L) {
        route.stats.storesRefused.increment();
        l1.removeVersion(entry.key, entry.version);
      }
    });
  }

  /** Reads a key from L2, decoded, completing on the given event loop's context. */
  Future<CachedResponse> readL2(String key, io.vertx.core.Context context) {
    Promise<CachedResponse> p = Promise.promise();
    l2.get(key).whenComplete((v, e) -> {
      CachedResponse entry = e == null && v != null ? EntryCodec.decode(key, v) : null;
      context.runOnContext(x -> p.complete(entry));
    });
    return p.future();
  }

  // ------------------------------------------------------------------ invalidation

  /**
   * Drops a path's entries on every instance (all variants, or only the keys starting with
   * {@code keyPrefix} when it is not empty): here at once, in Redis with a mark that refuses older
   * writes, then on the other instances through the event channel.
   */
  CompletionStage<Long> invalidatePath(CachedRoute route, String path, String keyPrefix) {
    long version = nextVersion();
    route.stats.invalidations.increment();
    long local = dropLocally(route.name, path, keyPrefix, version);
    if (l2 == null) {
      return java.util.concurrent.CompletableFuture.completedFuture(local);
    }
    long markTtl = maxTimeoutMillis + 60_000;
    return l2.invalidate(route.name, path, keyPrefix, version, markTtl)
        .handle((n, e) -> n)
        .thenCompose(n -> l2.publish(event("res", route.name, Long.toString(version), keyPrefix, path))
            .handle((x, e) -> local + (n == null ? 0 : n)));
  }

  private long dropLocally(String route, String path, String keyPrefix, long version) {
    recentInvalidations.asMap().merge(LocalCache.resource(route, path), version, Math::max);
    return l1.removeResource(route, path, e -> e.version < version && keyMatches(e.key, keyPrefix));
  }

  /** Whether a key is one of those a key purge names: the prefix ends at the query's end. */
  static boolean keyMatches(String key, String keyPrefix) {
    if (keyPrefix.isEmpty()) {
      return true;
    }
    if (!key.startsWith(keyPrefix)) {
      return false;
    }
    if (key.length() == keyPrefix.length()) {
      return true;
    }
    char next = key.charAt(keyPrefix.length());
    return next == '|' || next == '#';
  }

  /** Bumps the route's namespace: every entry of the route becomes unreachable on every instance. */
  CompletionStage<Long> purgeRoute(CachedRoute route) {
    long local = l1.removeIf(e -> e.route.equals(route.name));
    if (l2 == null || !route.namespaceKnown) {
      return java.util.concurrent.CompletableFuture.completedFuture(local);
    }
    return l2.bumpNamespace(route.name).thenCompose(ns -> {
      route.namespace(ns);
      l1.removeIf(e -> e.route.equals(route.name));
      return l2.publish(event("ns", route.name, Long.toString(ns), "", "")).handle((x, e) -> local);
    });
  }

  CompletionStage<Long> purgeTag(String tag) {
    long local = l1.removeIf(e -> contains(e.tags, tag));
    if (l2 == null) {
      return java.util.concurrent.CompletableFuture.completedFuture(local);
    }
    return l2.purgeTag(tag).handle((n, e) -> n == null ? 0L : n)
        .thenCompose(n -> l2.publish(event("tag", "", "", "", tag)).handle((x, e) -> local + n));
  }

  /** Drops every entry whose path starts with {@code prefix}, in every cached route. */
  Future<Long> purgePrefix(String prefix) {
    long local = l1.removeIf(e -> e.path.startsWith(prefix));
    if (l2 == null) {
      return Future.succeededFuture(local);
    }
    return vertx.executeBlocking(() -> {
      long n = 0;
      for (CachedRoute r : routes.values()) {
        n += l2.purgePrefixBlocking(r.name, prefix);
      }
      l2.publish(event("pre", "", "", "", prefix));
      return local + n;
    }, false);
  }

  private String event(String type, String route, String version, String keyPrefix, String path) {
    return type + '\t' + instance + '\t' + route + '\t' + version + '\t' + keyPrefix + '\t' + path;
  }

  /** An event from the channel (any thread). */
  void onEvent(String message) {
    String[] f = message.split("\t", 6);
    if (f.length != 6 || f[1].equals(instance)) {
      return;
    }
    stats.invalidationsReceived.increment();
    switch (f[0]) {
      case "res" -> dropLocally(f[2], f[5], f[4], Long.parseLong(f[3]));
      case "ns" -> {
        CachedRoute r = routes.get(f[2]);
        if (r != null && Long.parseLong(f[3]) > r.namespace) {
          r.namespace(Long.parseLong(f[3]));
          offLoop(() -> l1.removeIf(e -> e.route.equals(r.name)));
        }
      }
      case "tag" -> offLoop(() -> l1.removeIf(e -> contains(e.tags, f[5])));
      case "pre" -> offLoop(() -> l1.removeIf(e -> e.path.startsWith(f[5])));
      default -> {
        // an event of a newer version of Nexus: ignored
      }
    }
  }

  /** After a gap in the event channel: events may have been missed, so L1 starts over. */
  void resync() {
    offLoop(l1::clear);
    loadNamespaces();
  }

  /** Scans of the whole L1 run on a worker thread: a large L1 must not stall an event loop or Redis's I/O thread. */
  private void offLoop(Runnable scan) {
    vertx.executeBlocking(() -> {
      scan.run();
      return null;
    }, false);
  }

  private void loadNamespaces() {
    if (l2 == null) {
      return;
    }
    for (CachedRoute r : routes.values()) {
      l2.namespace(r.name).whenComplete((ns, e) -> {
        if (e == null && (!r.namespaceKnown || ns > r.namespace)) {
          if (r.namespaceKnown) {
            offLoop(() -> l1.removeIf(x -> x.route.equals(r.name)));
          }
          r.namespace(ns);
        }
      });
    }
  }

  /** The cached route whose prefix matches a request path (longest prefix), or null. */
  CachedRoute routeFor(String path) {
    CachedRoute best = null;
    for (CachedRoute r : routes.values()) {
      String p = r.prefix;
      boolean match = path.startsWith(p) && (path.length() == p.length() || p.length() == 1 || path.charAt(p.length()) == '/');
      if (match && (best == null || p.length() > best.prefix.length())) {
        best = r;
      }
    }
    return best;
  }

  Refresher refresher() {
    return refresher;
  }

  List<CachedRoute> cachedRoutes() {
    return new ArrayList<>(routes.values());
  }

  static boolean contains(String[] a, String s) {
    for (String x : a) {
      if (x.equals(s)) {
        return true;
      }
    }
    return false;
  }

  /** One cached route: its policy, its namespace version and its counters. */
  static final class CachedRoute {
    final String name;
    final String prefix;
    final RouteCacheConfig policy;
    final long timeoutMillis;
    final CacheStats.Route stats;
    volatile long namespace;
    /** False until Redis told the namespace: until then L2 is not used for the route. */
    volatile boolean namespaceKnown;

    CachedRoute(RouteConfig rc, CacheStats.Route stats) {
      this.name = rc.name();
      this.prefix = rc.prefix();
      this.policy = rc.cache();
      this.timeoutMillis = rc.timeout().toMillis();
      this.stats = stats;
    }

    synchronized void namespace(long ns) {
      if (!namespaceKnown || ns > namespace) {
        namespace = ns;
      }
      namespaceKnown = true;
    }
  }
}
