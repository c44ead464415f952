package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficHistoryTest {
  /** Cumulative counts for the buckets of {@link RouteMeters#BUCKETS} plus the total. */
  static long[] cumulative(long... perBucket) {
    long[] out = new long[RouteMeters.BUCKETS.length + 1];
    long run = 0;
    for (int i = 0; i < RouteMeters.BUCKETS.length; i++) {
      run += i < perBucket.length ? perBucket[i] : 0;
      out[i] = run;
    }
    out[RouteMeters.BUCKETS.length] = run + (perBucket.length > RouteMeters.BUCKETS.length ? perBucket[RouteMeters.BUCKETS.length] : 0);
    return out;
  }

  @Test
  void percentilesInterpolateInsideTheirBucket() {
    // 100 values in (0, 1ms], 100 in (1ms, 2.5ms]
    long[] c = cumulative(100, 100);
    assertThat(TrafficHistory.percentileMs(c, 0.25)).isCloseTo(0.5, within(1e-9));
    assertThat(TrafficHistory.percentileMs(c, 0.5)).isCloseTo(1.0, within(1e-9));
    assertThat(TrafficHistory.percentileMs(c, 0.99)).isCloseTo(1.0 + 1.5 * 0.98, within(1e-9));
    assertThat(TrafficHistory.percentileMs(cumulative(), 0.5)).isNaN();
    // Values over the last bound (60 s) report it.
    long[] slow = cumulative(new long[RouteMeters.BUCKETS.length + 1]);
    slow[RouteMeters.BUCKETS.length] = 10;
    assertThat(TrafficHistory.percentileMs(slow, 0.99)).isEqualTo(60_000.0);
  }

  @Test
  void sampleGivesRatesErrorRatioAndLatencyPerInterval() {
    Metrics metrics = new Metrics(List::of);
    try {
      RouteMeters lake = metrics.route("lake");
      TrafficHistory h = new TrafficHistory(metrics, new RecentErrors(10), 3);
      h.sample();
      for (int i = 0; i < 8; i++) {
        lake.record(200, 2_000_000);
      }
      lake.record(503, 2_000_000);
      lake.record(502, 2_000_000);
      h.sample();
      var summary = h.summary(5);
      var svc = summary.getJsonArray("services").getJsonObject(0);
      assertThat(svc.getString("name")).isEqualTo("lake");
      assertThat(svc.getLong("requests_total")).isEqualTo(10);
      assertThat(svc.getLong("server_errors_total")).isEqualTo(2);
      assertThat(svc.getDouble("error_ratio")).isEqualTo(0.2);
      assertThat(svc.getDouble("p50_ms")).isBetween(1.0, 2.5);
      assertThat(svc.getDouble("rps")).isPositive();
      for (int i = 0; i < 5; i++) {
        h.sample();
      }
      var history = h.summary(5).getJsonObject("history");
      assertThat(history.getJsonArray("time")).hasSize(3);
      assertThat(history.getJsonObject("services").getJsonObject("lake").getJsonArray("rps")).hasSize(3);
      // Intervals without requests have no error ratio and no latency.
      assertThat(h.summary(5).getJsonArray("services").getJsonObject(0).getValue("p99_ms")).isNull();
    } finally {
      metrics.close();
    }
  }
}
