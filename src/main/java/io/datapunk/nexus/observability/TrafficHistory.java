package io.datapunk.nexus.observability;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recent past that the dashboard and {@code nexus status} show: every sample interval it reads
 * the route meters and keeps, per service, the request rate, error ratio and p50/p99 latency of that
 * interval (from the histogram's bucket deltas), plus the cache hit ratio, for the last
 * {@code history} samples. Reading meters every few seconds costs nothing on the request path.
 */
public final class TrafficHistory {
  private final Metrics metrics;
  private final RecentErrors recent;
  private final int capacity;
  private final long startMillis = System.currentTimeMillis();
  private final ArrayDeque<Point> points = new ArrayDeque<>();
  private final Map<String, Totals> previous = new HashMap<>();
  private long previousNanos;
  private long previousHits;
  private long previousMisses;

  private record Totals(long requests, long errors, long[] buckets) {}

  /** One service in one interval; NaN where the interval had no request. */
  private record ServicePoint(double rps, double errorRatio, double p50Ms, double p99Ms) {}

  private record Point(long epochMillis, Map<String, ServicePoint> services, double cacheHitRatio) {}

  public TrafficHistory(Metrics metrics, RecentErrors recent, int capacity) {
    this.metrics = metrics;
    this.recent = recent;
    this.capacity = capacity;
    this.previousNanos = System.nanoTime();
  }

  /** Takes one sample (called every sample interval). */
  public synchronized void sample() {
    long now = System.nanoTime();
    double seconds = Math.max(1e-3, (now - previousNanos) / 1e9);
    previousNanos = now;
    Map<String, ServicePoint> services = new LinkedHashMap<>();
    for (RouteMeters m : metrics.routes()) {
      Totals t = new Totals(m.requests(), m.requests(4), m.durationBuckets());
      Totals p = previous.put(m.route(), t);
      if (p == null) {
        p = new Totals(0, 0, new long[t.buckets().length]);
      }
      long dr = t.requests() - p.requests();
      long[] delta = new long[t.buckets().length];
      for (int i = 0; i < delta.length; i++) {
        delta[i] = t.buckets()[i] - p.buckets()[i];
      }
      services.put(m.route(), new ServicePoint(dr / seconds, dr == 0 ? Double.NaN : (double) (t.errors() - p.errors()) / dr,
          percentileMs(delta, 0.50), percentileMs(delta, 0.99)));
    }
    CacheMetrics cache = metrics.cache();
    long hits = cache.hits();
    long misses = cache.misses();
    long dh = hits - previousHits;
    long dm = misses - previousMisses;
    previousHits = hits;
    previousMisses = misses;
    points.addLast(new Point(System.currentTimeMillis(), services, dh + dm == 0 ? Double.NaN : (double) dh / (dh + dm)));
    while (points.size() > capacity) {
      points.removeFirst();
    }
  }

  /**
   * The q-quantile in milliseconds of the values counted in cumulative buckets (last = total),
   * interpolated linearly inside its bucket; NaN for no values; values over the last bound report it.
   */
  static double percentileMs(long[] cumulative, double q) {
    long total = cumulative[cumulative.length - 1];
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double[] bounds = RouteMeters.BUCKETS;
    long below = 0;
    for (int i = 0; i < bounds.length; i++) {
      if (cumulative[i] >= rank) {
        double lower = i == 0 ? 0 : bounds[i - 1];
        long inBucket = cumulative[i] - below;
        double fraction = inBucket == 0 ? 1 : (rank - below) / inBucket;
        return (lower + (bounds[i] - lower) * fraction) * 1000;
      }
      below = cumulative[i];
    }
    return bounds[bounds.length - 1] * 1000;
  }

  /** The summary served by {@code GET /admin/summary}: totals, current state, history and recent errors. */
  public synchronized JsonObject summary(int recentErrors) {
    Point last = points.peekLast();
    Map<String, ServiceStates.ServiceState> states = new LinkedHashMap<>();
    for (ServiceStates.ServiceState s : metrics.serviceStates().services()) {
      states.put(s.name(), s);
    }
    JsonArray services = new JsonArray();
    long rateLimited = 0;
    List<String> names = new ArrayList<>();
    for (RouteMeters m : metrics.routes()) {
      rateLimited += m.rateLimited();
      names.add(m.route());
    }
    names.sort((a, b) -> Metrics.UNMATCHED.equals(a) ? 1 : Metrics.UNMATCHED.equals(b) ? -1 : 0);
    for (String name : names) {
      RouteMeters m = metrics.route(name);
      ServiceStates.ServiceState state = states.get(name);
      ServicePoint p = last == null ? null : last.services().get(name);
      JsonObject s = new JsonObject().put("name", name)
          .put("requests_total", m.requests())
          .put("server_errors_total", m.requests(4))
          .put("rate_limited_total", m.rateLimited())
          .put("retries_total", m.retries())
          .put("in_flight", m.inFlight())
          .put("rps", p == null ? 0.0 : round(p.rps()))
          .put("error_ratio", p == null ? null : number(p.errorRatio()))
          .put("p50_ms", p == null ? null : number(p.p50Ms()))
          .put("p99_ms", p == null ? null : number(p.p99Ms()));
      if (state != null) {
        JsonArray instances = new JsonArray();
        for (ServiceStates.InstanceState i : state.instances()) {
          instances.add(new JsonObject().put("address", i.address()).put("healthy", i.healthy()));
        }
        s.put("available", state.available()).put("breaker", state.breaker()).put("instances", instances);
      }
      services.add(s);
    }
    CacheMetrics cache = metrics.cache();
    JsonObject cacheJson = new JsonObject().put("configured", cache.configured())
        .put("hit_ratio", number(cache.hitRatio()))
        .put("hits_total", cache.hits()).put("misses_total", cache.misses());
    for (String tier : CacheMetrics.TIERS) {
      cacheJson.put(tier + "_entries", cache.entries(tier)).put(tier + "_bytes", cache.bytes(tier));
    }
    JsonArray errors = new JsonArray();
    for (RecentErrors.Entry e : recent.list().subList(0, Math.min(recentErrors, recent.list().size()))) {
      errors.add(RecentErrorsJson.of(e));
    }
    return new JsonObject()
        .put("time", System.currentTimeMillis())
        .put("uptime_seconds", (System.currentTimeMillis() - startMillis) / 1000)
        .put("services", services)
        .put("cache", cacheJson)
        .put("rate_limit_rejections_total", rateLimited)
        .put("errors_total", recent.total())
        .put("recent_errors", errors)
        .put("history", history());
  }

  private JsonObject history() {
    JsonArray times = new JsonArray();
    JsonArray cache = new JsonArray();
    Map<String, JsonObject> byService = new LinkedHashMap<>();
    int index = 0;
    for (Point p : points) {
      times.add(p.epochMillis());
      cache.add(number(p.cacheHitRatio()));
      for (Map.Entry<String, ServicePoint> e : p.services().entrySet()) {
        JsonObject s = byService.get(e.getKey());
        if (s == null) {
          s = new JsonObject().put("rps", padded(index)).put("error_ratio", padded(index))
              .put("p50_ms", padded(index)).put("p99_ms", padded(index));
          byService.put(e.getKey(), s);
        }
        ServicePoint v = e.getValue();
        s.getJsonArray("rps").add(round(v.rps()));
        s.getJsonArray("error_ratio").add(number(v.errorRatio()));
        s.getJsonArray("p50_ms").add(number(v.p50Ms()));
        s.getJsonArray("p99_ms").add(number(v.p99Ms()));
      }
      index++;
    }
    JsonObject services = new JsonObject();
    byService.forEach(services::put);
    return new JsonObject().put("time", times).put("services", services).put("cache_hit_ratio", cache);
  }

  private static JsonArray padded(int n) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < n; i++) {
      a.addNull();
    }
    return a;
  }

  private static Double number(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : round(v);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
