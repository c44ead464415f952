package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.Http1;
import io.datapunk.nexus.testing.Scrape;
import io.datapunk.nexus.testing.TestUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proposal's seven metrics on /metrics after known traffic: 10 answers 200 and 5 answers 503 from
 * lake, 3 requests to a service that refuses connections, 2 requests matching no route, and cache
 * lookups fed through the surface the cache capability uses (3 hits, 1 miss, 42 entries).
 */
class MetricsIT {
  static TestUpstream lake;
  static GatewayFixture gw;

  @BeforeAll
  static void start() {
    lake = TestUpstream.start().handler(r -> {
      if (r.path().equals("/status/503")) {
        r.response().setStatusCode(503).end("busy");
      } else {
        TestUpstream.echo(r);
      }
    });
    gw = GatewayFixture.start("""
        admin:
          port: 0
          token: metrics-test-token-0123
        observability:
          access_log: {enabled: false}
          audit_log: {enabled: false}
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
          dead:
            prefix: /dead
            service_url: http://127.0.0.1:1
            outlier_detection: {max_ejection_percent: 100}
        network_optimization:
          connection_pooling: {min_size: 0}
        """, Map.of("LAKE", lake.url()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    lake.close();
  }

  static HttpResponse<String> get(GatewayFixture g, String path) {
    return Http1.get(g.uri(path));
  }

  Scrape scrape() {
    HttpResponse<String> r = Http1.send(HttpRequest.newBuilder(gw.adminUri("/metrics")).GET().build());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    return new Scrape(r.body());
  }

  @Test
  void sevenProposalMetricsAfterKnownTraffic() {
    Scrape before = scrape();
    // No cache configured yet: no hit rate (NaN) and nothing stored.
    assertThat(before.value("nexus_cache_hit_ratio")).isNaN();
    assertThat(before.value("nexus_cache_entries", "tier", "l1")).isEqualTo(0.0);
    assertThat(before.value("nexus_cache_size_bytes", "tier", "l1")).isEqualTo(0.0);
    // Every configured route has its series from the start (rates are defined before traffic).
    assertThat(before.value("nexus_requests_total", "route", "dead", "status", "5xx")).isEqualTo(0.0);

    for (int i = 0; i < 10; i++) {
      assertThat(get(gw, "/storage/items").statusCode()).isEqualTo(200);
    }
    for (int i = 0; i < 5; i++) {
      assertThat(get(gw, "/storage/status/503").statusCode()).isEqualTo(503);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(get(gw, "/dead/x").statusCode()).isEqualTo(502);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(get(gw, "/nowhere").statusCode()).isEqualTo(404);
    }
    Metrics metrics = gw.gateway.observability().metrics();
    CacheMetrics.RouteCache cache = metrics.cache().route("lake");
    cache.hitL1();
    cache.hitL1();
    cache.hitL2();
    cache.miss();
    metrics.cache().size("l1", () -> 42, () -> 4096);

    // Listeners run when the response has been written; wait until the last request is counted.
    await().atMost(Duration.ofSeconds(10)).until(() ->
        scrape().value("nexus_requests_total", "route", "unmatched", "status", "4xx") == 2.0);
    Scrape s = scrape();

    // total_requests
    assertThat(s.value("nexus_requests_total", "route", "lake", "status", "2xx")).isEqualTo(10.0);
    assertThat(s.value("nexus_requests_total", "route", "lake", "status", "5xx")).isEqualTo(5.0);
    assertThat(s.value("nexus_requests_total", "route", "dead", "status", "5xx")).isEqualTo(3.0);
    assertThat(s.sum("nexus_requests_total")).isEqualTo(20.0);
    // request_duration: a histogram per route and status class
    assertThat(s.value("nexus_request_duration_seconds_count", "route", "lake", "status", "2xx")).isEqualTo(10.0);
    assertThat(s.value("nexus_request_duration_seconds_bucket", "route", "lake", "status", "2xx", "le", "+Inf")).isEqualTo(10.0);
    assertThat(s.value("nexus_request_duration_seconds_bucket", "route", "lake", "status", "2xx", "le", "60.0")).isEqualTo(10.0);
    assertThat(s.value("nexus_request_duration_seconds_sum", "route", "lake", "status", "2xx")).isPositive();
    // error_rate: share of 5xx per route (5 of 15 on lake, 3 of 3 on dead), and the gateway's own errors by code
    double lakeErrorRate = s.value("nexus_requests_total", "route", "lake", "status", "5xx")
        / s.sum("nexus_requests_total", "route", "lake");
    assertThat(lakeErrorRate).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(s.value("nexus_request_errors_total", "route", "dead", "code", "service_down")).isEqualTo(3.0);
    assertThat(s.value("nexus_request_errors_total", "route", "unmatched", "code", "not_found")).isEqualTo(2.0);
    // service_availability: the refusing service is down, lake is up
    assertThat(s.value("nexus_service_available", "service", "dead")).isEqualTo(0.0);
    assertThat(s.value("nexus_service_available", "service", "lake")).isEqualTo(1.0);
    assertThat(s.value("nexus_instance_up", "service", "lake", "instance", "127.0.0.1:" + lake.port())).isEqualTo(1.0);
    assertThat(s.value("nexus_breaker_state", "service", "lake", "state", "closed")).isEqualTo(1.0);
    assertThat(s.value("nexus_breaker_state", "service", "lake", "state", "open")).isEqualTo(0.0);
    // response_times: upstream time to response head, per service (15 answers from lake, none from dead)
    assertThat(s.value("nexus_upstream_response_seconds_count", "service", "lake")).isEqualTo(15.0);
    assertThat(s.value("nexus_upstream_response_seconds_count", "service", "dead")).isEqualTo(0.0);
    assertThat(s.value("nexus_upstream_in_flight", "service", "lake")).isEqualTo(0.0);
    // cache_hit_rate: 3 hits of 4 lookups
    assertThat(s.value("nexus_cache_hit_ratio")).isEqualTo(0.75);
    assertThat(s.value("nexus_cache_requests_total", "route", "lake", "tier", "l1", "result", "hit")).isEqualTo(2.0);
    assertThat(s.value("nexus_cache_requests_total", "route", "lake", "tier", "none", "result", "miss")).isEqualTo(1.0);
    // cache_size
    assertThat(s.value("nexus_cache_entries", "tier", "l1")).isEqualTo(42.0);
    assertThat(s.value("nexus_cache_size_bytes", "tier", "l1")).isEqualTo(4096.0);
    // JVM and process series are there too
    assertThat(s.has("jvm_memory_used_bytes")).isTrue();
    assertThat(s.has("process_cpu_usage")).isTrue();
  }

  @Test
  void labelsNeverCarryRawPathsOrClientData() {
    for (int i = 0; i < 5; i++) {
      get(gw, "/storage/user-" + i + "?id=" + i);
      get(gw, "/random-" + i);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !scrape().text().isEmpty());
    Scrape s = scrape();
    for (Scrape.Sample sample : s.samples()) {
      if (!sample.name().startsWith("nexus_")) {
        continue;
      }
      for (Map.Entry<String, String> label : sample.labels().entrySet()) {
        // allocator: Netty's direct memory gauges, two fixed values (default, unpooled).
        assertThat(label.getKey()).isIn("route", "status", "code", "service", "instance", "state", "tier", "result", "le",
            "log", "client", "name", "allocator");
        assertThat(label.getValue()).doesNotContain("user-").doesNotContain("random-").doesNotContain("/");
      }
    }
  }

  @Test
  void switchedOffMetricsRecordNothingPerRequest() {
    try (GatewayFixture off = GatewayFixture.start("""
        observability:
          metrics: {enabled: false}
          access_log: {enabled: false}
          audit_log: {enabled: false}
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
        """, Map.of("LAKE", lake.url()))) {
      assertThat(off.gateway.observability().listeners()).isEmpty();
      assertThat(get(off, "/storage/x").statusCode()).isEqualTo(200);
      Scrape s = new Scrape(Http1.send(HttpRequest.newBuilder(off.adminUri("/metrics")).GET().build()).body());
      assertThat(s.sum("nexus_requests_total")).isEqualTo(0.0);
      assertThat(s.has("jvm_memory_used_bytes")).isTrue();
    }
  }
}
