package io.datapunk.nexus.observability;

import io.datapunk.nexus.pipeline.GatewayError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one route, resolved once so that recording a request is a few array reads and
 * increments: no tag lists or lookups per request. Labels are the route (the service name) and the
 * status class, never anything taken from the request.
 */
public final class RouteMeters {
  /** Histogram buckets of the request and upstream durations, in seconds (plus +Inf). */
  static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  private static final Duration[] SLOS = new Duration[BUCKETS.length];

  static {
    for (int i = 0; i < BUCKETS.length; i++) {
      SLOS[i] = Duration.ofNanos((long) (BUCKETS[i] * 1e9));
    }
  }

  private final String route;
  private final MeterRegistry registry;
  private final Counter[] requests = new Counter[CLASSES.length];
  private final Timer[] durations = new Timer[CLASSES.length];
  private final Counter[] errors = new Counter[GatewayError.values().length];
  private final Timer upstream;
  private final Counter retries;
  private final Counter rateLimited;
  final LongAdder upstreamStarted = new LongAdder();
  final LongAdder upstreamFinished = new LongAdder();

  RouteMeters(String route, MeterRegistry registry) {
    this.route = route;
    this.registry = registry;
    for (int i = 0; i < CLASSES.length; i++) {
      requests[i] = Counter.builder("nexus.requests").description("Requests answered (proposal: total_requests)")
          .tag("route", route).tag("status", CLASSES[i]).register(registry);
      durations[i] = Timer.builder("nexus.request.duration")
          .description("Time from request arrival to the end of the response (proposal: request_duration)")
          .tag("route", route).tag("status", CLASSES[i]).serviceLevelObjectives(SLOS).register(registry);
    }
    upstream = Timer.builder("nexus.upstream.response")
        .description("Time from the first upstream attempt to the service's response head (proposal: response_times)")
        .tag("service", route).serviceLevelObjectives(SLOS).register(registry);
    retries = Counter.builder("nexus.upstream.retries").description("Upstream attempts after the first")
        .tag("service", route).register(registry);
    rateLimited = Counter.builder("nexus.rate.limit.rejections").description("Requests refused with 429")
        .tag("route", route).register(registry);
    registry.gauge("nexus.upstream.in.flight", io.micrometer.core.instrument.Tags.of("service", route), this,
        m -> m.upstreamStarted.sum() - m.upstreamFinished.sum());
  }

  public String route() {
    return route;
  }

  /** Records one finished request. */
  void record(int status, long durationNanos) {
    int c = statusClass(status);
    requests[c].increment();
    durations[c].record(durationNanos, TimeUnit.NANOSECONDS);
  }

  void upstream(long nanos, int retryCount) {
    if (nanos >= 0) {
      upstream.record(nanos, TimeUnit.NANOSECONDS);
    }
    if (retryCount > 0) {
      retries.increment(retryCount);
    }
  }

  void error(GatewayError error) {
    Counter c = errors[error.ordinal()];
    if (c == null) {
      // Rare path; Micrometer returns the same meter if two loops race here.
      c = Counter.builder("nexus.request.errors").description("Errors the gateway answered itself, by code")
          .tag("route", route).tag("code", error.code()).register(registry);
      errors[error.ordinal()] = c;
    }
    c.increment();
    if (error == GatewayError.RATE_LIMIT) {
      rateLimited.increment();
    }
  }

  static int statusClass(int status) {
    int c = status / 100 - 1;
    return c < 0 ? 0 : Math.min(c, 4);
  }

  // Reads for the dashboard and the admin API.

  long requests() {
    long n = 0;
    for (Counter c : requests) {
      n += (long) c.count();
    }
    return n;
  }

  long requests(int statusClassIndex) {
    return (long) requests[statusClassIndex].count();
  }

  long rateLimited() {
    return (long) rateLimited.count();
  }

  long retries() {
    return (long) retries.count();
  }

  long inFlight() {
    return upstreamStarted.sum() - upstreamFinished.sum();
  }

  /** Cumulative bucket counts of all request durations of this route (index i counts values <= BUCKETS[i]; the last is the total). */
  long[] durationBuckets() {
    long[] out = new long[BUCKETS.length + 1];
    for (Timer t : durations) {
      HistogramSnapshot s = t.takeSnapshot();
      var counts = s.histogramCounts();
      for (int i = 0; i < counts.length && i < BUCKETS.length; i++) {
        out[i] += (long) counts[i].count();
      }
      out[BUCKETS.length] += s.count();
    }
    return out;
  }
}
