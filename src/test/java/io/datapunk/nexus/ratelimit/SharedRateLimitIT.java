package io.datapunk.nexus.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.RedisClusterFixture;
import io.datapunk.nexus.testing.TestUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances sharing one real 6-node Redis Cluster: together they admit no more than the
 * limit (within 10%), a spoofed X-Forwarded-For does not escape it, and with every Redis node killed
 * requests are still answered quickly (served on fail-open routes, refused with 503 on fail-closed
 * ones), never with a 500.
 */
class SharedRateLimitIT {
  private static final int BURST = 40;

  @Test
  void twoInstancesShareOneLimitAndSurviveRedisDying() throws Exception {
    try (RedisClusterFixture redis = RedisClusterFixture.start(); TestUpstream upstream = TestUpstream.start()) {
      String yaml = """
          redis:
            nodes: %s
            command_timeout: 50ms
          service_routes:
            open:
              prefix: /open
              service_url: ${UP}
              rate_limit:
                client: {rate: 1, per: 1s, burst: %d}
            roomy:
              prefix: /roomy
              service_url: ${UP}
              rate_limit:
                client: {rate: 1000, per: 1s, burst: 1000}
            closed:
              prefix: /closed
              service_url: ${UP}
              rate_limit:
                client: {rate: 1000, per: 1s, burst: 1000}
                on_redis_failure: closed
          network_optimization:
            connection_pooling:
              min_size: 0
          """.formatted(redis.nodesYaml(), BURST);
      Map<String, String> vars = Map.of("UP", upstream.url());
      try (GatewayFixture a = GatewayFixture.start(yaml, vars); GatewayFixture b = GatewayFixture.start(yaml, vars)) {
        // Both instances connected to the cluster: the shared bucket answers for both.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
            get(a, "/closed/warm", null).statusCode() == 200 && get(b, "/closed/warm", null).statusCode() == 200);

        long start = System.nanoTime();
        int admitted = 0;
        int total = 200;
        for (int i = 0; i < total; i++) {
          GatewayFixture g = i % 2 == 0 ? a : b;
          // Every request claims another client address: the peer is not a trusted proxy, so it must
          // not matter.
          HttpResponse<String> r = get(g, "/open/x", "198.51.100." + (i % 250) + ", " + UUID.randomUUID());
          assertThat(r.statusCode()).isIn(200, 429);
          if (r.statusCode() == 200) {
            admitted++;
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double allowed = BURST + seconds * 1.0;
        System.out.printf("shared limit: %d of %d admitted by two instances in %.2f s (bucket %d + 1/s: %.1f)%n",
            admitted, total, seconds, BURST, allowed);
        assertThat(admitted).as("two instances admit at most the limit x 1.1").isLessThanOrEqualTo((int) (allowed * 1.1));
        assertThat(admitted).as("and the shared bucket is really used (local buckets would admit 2 x burst)")
            .isGreaterThanOrEqualTo(BURST - 1);

        // Baseline latency with Redis up (and the roomy route's shared count known to instance a).
        List<Long> up = latencies(a, "/closed/x", 30);
        assertThat(get(a, "/roomy/x", null).statusCode()).isEqualTo(200);

        redis.killAll();

        List<Integer> openStatuses = new ArrayList<>();
        List<Long> openLatencies = new ArrayList<>();
        List<Integer> closedStatuses = new ArrayList<>();
        List<Long> closedLatencies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          long t0 = System.nanoTime();
          openStatuses.add(get(a, "/roomy/y", null).statusCode());
          openLatencies.add((System.nanoTime() - t0) / 1_000_000);
          t0 = System.nanoTime();
          closedStatuses.add(get(b, "/closed/y", null).statusCode());
          closedLatencies.add((System.nanoTime() - t0) / 1_000_000);
        }
        long baseline = median(up);
        System.out.printf("redis down: baseline median %d ms; fail-open median %d ms max %d ms; fail-closed median %d ms max %d ms%n",
            baseline, median(openLatencies), Collections.max(openLatencies), median(closedLatencies),
            Collections.max(closedLatencies));
        assertThat(openStatuses).doesNotContain(500).containsOnly(200);
        // The exhausted route stays limited: the local bucket continues from the last shared count.
        assertThat(get(a, "/open/z", null).statusCode()).isEqualTo(429);
        assertThat(closedStatuses).doesNotContain(500).containsOnly(503);
        assertThat(median(openLatencies)).as("fail-open adds at most 50 ms").isLessThanOrEqualTo(baseline + 50);
        assertThat(median(closedLatencies)).as("fail-closed answers within 50 ms extra").isLessThanOrEqualTo(baseline + 50);
        // No single request waits on the dead cluster much longer than the command timeout (generous
        // margin for a loaded CI machine).
        assertThat(Collections.max(openLatencies)).isLessThan(1000);
        assertThat(Collections.max(closedLatencies)).isLessThan(1000);
      }
    }
  }

  private static List<Long> latencies(GatewayFixture g, String path, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      assertThat(get(g, path, null).statusCode()).isEqualTo(200);
      out.add((System.nanoTime() - t0) / 1_000_000);
    }
    return out;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  private static HttpResponse<String> get(GatewayFixture g, String path, String xff) {
    HttpRequest.Builder b = HttpRequest.newBuilder(g.uri(path)).timeout(Duration.ofSeconds(10));
    if (xff != null) {
      b.header("X-Forwarded-For", xff);
    }
    return g.send(b.GET().build());
  }
}
