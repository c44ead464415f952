package io.datapunk.nexus.cache;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The cache's counters, for metrics and the admin API: per route hits, misses and stale answers per
 * tier; for the instance the local tier's bytes and entries and Redis errors. Metrics registries read
 * these (names in README: {@code nexus_cache_*}); nothing here depends on a metrics library.
 */
public final class CacheStats {
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  final LongAdder redisErrors = new LongAdder();
  final LongAdder invalidationsReceived = new LongAdder();
  private volatile LongSupplier l1Bytes = () -> 0;
  private volatile LongSupplier l1Entries = () -> 0;
  private volatile java.util.function.BooleanSupplier redisUp = () -> false;

  /** The counters of one route (created once, when its filter is built). */
  public Route route(String name) {
    return routes.computeIfAbsent(name, n -> new Route());
  }

  public Map<String, Route> routes() {
    return new TreeMap<>(routes);
  }

  void tiers(LongSupplier bytes, LongSupplier entries, java.util.function.BooleanSupplier redis) {
    this.l1Bytes = bytes;
    this.l1Entries = entries;
    this.redisUp = redis;
  }

  public long l1Bytes() {
    return l1Bytes.getAsLong();
  }

  public long l1Entries() {
    return l1Entries.getAsLong();
  }

  public long redisErrors() {
    return redisErrors.sum();
  }

  /** Whether the cache uses Redis now (connected, not backing off after errors). */
  public boolean redisUp() {
    return redisUp.getAsBoolean();
  }

  public long invalidationsReceived() {
    return invalidationsReceived.sum();
  }

  /** Hits (fresh or stale, both tiers) / lookups, all routes; NaN before any lookup. */
  public double hitRate() {
    long hits = 0;
    long all = 0;
    for (Route r : routes.values()) {
      long h = r.hitsL1.sum() + r.hitsL2.sum() + r.staleL1.sum() + r.staleL2.sum();
      hits += h;
      all += h + r.misses.sum();
    }
    return all == 0 ? Double.NaN : (double) hits / all;
  }

  /** One route's counters; lookups also go to the route's {@code nexus_cache_requests_total} series. */
  public static final class Route {
    private volatile io.datapunk.nexus.observability.CacheMetrics.RouteCache metrics;
    final LongAdder hitsL1 = new LongAdder();
    final LongAdder hitsL2 = new LongAdder();
    final LongAdder staleL1 = new LongAdder();
    final LongAdder staleL2 = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder revalidated = new LongAdder();
    final LongAdder coalesced = new LongAdder();
    final LongAdder stores = new LongAdder();
    final LongAdder storesRefused = new LongAdder();
    final LongAdder invalidations = new LongAdder();

    void metrics(io.datapunk.nexus.observability.CacheMetrics.RouteCache m) {
      this.metrics = m;
    }

    void countHitL1() {
      hitsL1.increment();
      var m = metrics;
      if (m != null) {
        m.hitL1();
      }
    }

    void countHitL2() {
      hitsL2.increment();
      var m = metrics;
      if (m != null) {
        m.hitL2();
      }
    }

    void countStaleL1() {
      staleL1.increment();
      var m = metrics;
      if (m != null) {
        m.stale();
      }
    }

    void countStaleL2() {
      staleL2.increment();
      var m = metrics;
      if (m != null) {
        m.stale();
      }
    }

    void countMiss() {
      misses.increment();
      var m = metrics;
      if (m != null) {
        m.miss();
      }
    }

    public long hitsL1() {
      return hitsL1.sum();
    }

    public long hitsL2() {
      return hitsL2.sum();
    }

    public long staleL1() {
      return staleL1.sum();
    }

    public long staleL2() {
      return staleL2.sum();
    }

    public long misses() {
      return misses.sum();
    }

    /** Expired entries the service confirmed with 304 (served from the cache, refreshed). */
    public long revalidated() {
      return revalidated.sum();
    }

    /** Misses that waited for another request's upstream call instead of making one. */
    public long coalesced() {
      return coalesced.sum();
    }

    public long stores() {
      return stores.sum();
    }

    /** Writes Redis refused because a newer version (or a later invalidation) was there. */
    public long storesRefused() {
      return storesRefused.sum();
    }

    public long invalidations() {
      return invalidations.sum();
    }
  }
}
