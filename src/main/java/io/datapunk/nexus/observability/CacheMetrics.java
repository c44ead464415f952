package io.datapunk.nexus.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The cache's series (proposal: {@code cache_hit_rate}, {@code cache_size}). The cache capability
 * feeds them: per route it resolves a {@link RouteCache} once and counts each lookup; per tier it
 * registers what its size is. Until a cache is configured every lookup count is 0, the sizes are 0
 * and the hit ratio has no value (NaN), since there is nothing to measure.
 */
public final class CacheMetrics {
  /** Tiers the size gauges are reported for. */
  public static final String[] TIERS = {"l1", "l2"};

  private final MeterRegistry registry;
  private final Map<String, RouteCache> routes = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> entries = new ConcurrentHashMap<>();
  private final Map<String, LongSupplier> bytes = new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  CacheMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("nexus.cache.hit.ratio", this, CacheMetrics::hitRatio)
        .description("Cache hits / (hits + misses) since start, all routes (proposal: cache_hit_rate); NaN before any lookup")
        .register(registry);
    for (String tier : TIERS) {
      Gauge.builder("nexus.cache.entries", () -> supplied(entries, tier)).tag("tier", tier)
          .description("Entries held in the cache tier (proposal: cache_size); 0 when no cache is configured")
          .register(registry);
      Gauge.builder("nexus.cache.size", () -> supplied(bytes, tier)).tag("tier", tier).baseUnit("bytes")
          .description("Bytes held in the cache tier (proposal: cache_size); 0 when no cache is configured")
          .register(registry);
    }
  }

  /** The counters of one route, to resolve once when the route's cache filter is built. */
  public RouteCache route(String route) {
    return routes.computeIfAbsent(route, r -> new RouteCache(r, registry, hits, misses));
  }

  /** Registers where a tier's size comes from ({@code "l1"} or {@code "l2"}); called by the cache at start. */
  public void size(String tier, LongSupplier entryCount, LongSupplier byteCount) {
    entries.put(tier, entryCount);
    bytes.put(tier, byteCount);
  }

  /** Hits / (hits + misses) since start; NaN before any lookup. */
  public double hitRatio() {
    long h = hits.sum();
    long total = h + misses.sum();
    return total == 0 ? Double.NaN : (double) h / total;
  }

  public long hits() {
    return hits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  public long entries(String tier) {
    return (long) supplied(entries, tier);
  }

  public long bytes(String tier) {
    return (long) supplied(bytes, tier);
  }

  /** Whether a cache registered its sizes (otherwise the dashboard says "no cache configured"). */
  public boolean configured() {
    return !entries.isEmpty();
  }

  private static double supplied(Map<String, LongSupplier> from, String tier) {
    LongSupplier s = from.get(tier);
    return s == null ? 0 : s.getAsLong();
  }

  /** The lookup counters of one route: {@code nexus_cache_requests_total{route, tier, result}}. */
  public static final class RouteCache {
    private final Counter hitL1;
    private final Counter hitL2;
    private final Counter miss;
    private final Counter stale;
    private final LongAdder hits;
    private final LongAdder misses;

    RouteCache(String route, MeterRegistry registry, LongAdder hits, LongAdder misses) {
      this.hitL1 = counter(registry, route, "l1", "hit");
      this.hitL2 = counter(registry, route, "l2", "hit");
      this.miss = counter(registry, route, "none", "miss");
      this.stale = counter(registry, route, "none", "stale");
      this.hits = hits;
      this.misses = misses;
    }

    private static Counter counter(MeterRegistry registry, String route, String tier, String result) {
      return Counter.builder("nexus.cache.requests").description("Cache lookups by result")
          .tag("route", route).tag("tier", tier).tag("result", result).register(registry);
    }

    /** A fresh answer from the local tier. */
    public void hitL1() {
      hitL1.increment();
      hits.increment();
    }

    /** A fresh answer from Redis. */
    public void hitL2() {
      hitL2.increment();
      hits.increment();
    }

    /** No usable entry: the service was asked. */
    public void miss() {
      miss.increment();
      misses.increment();
    }

    /** A stale entry served (stale-while-revalidate or stale-if-error); counted as a hit. */
    public void stale() {
      stale.increment();
      hits.increment();
    }
  }
}
