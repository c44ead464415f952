package io.datapunk.nexus.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpstreamConfigTest {
  private static NexusConfig parse(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
  }

  private static RouteConfig route(String body) {
    return parse("service_routes:\n  lake:\n    prefix: /storage\n" + body).routes().get(0);
  }

  private static void rejects(String body, String message) {
    assertThatThrownBy(() -> route(body)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void theProposalsRouteKeepsWorkingWithDocumentedDefaults() {
    RouteConfig r = route("    service_url: http://lake:8001/api\n    timeout: 30\n    retry_attempts: 3\n");
    assertThat(r.retryAttempts()).isEqualTo(3);
    assertThat(r.basePath()).isEqualTo("/api");
    UpstreamConfig u = r.upstream();
    assertThat(u.discovery()).isEqualTo("static");
    assertThat(u.instances()).isEmpty();
    assertThat(u.loadBalancing()).isEqualTo("least_requests");
    assertThat(u.healthCheck().enabled()).isFalse();
    assertThat(u.outlier()).isEqualTo(OutlierConfig.defaults());
    assertThat(u.retry()).isEqualTo(RetryConfig.defaults());
    assertThat(u.retry().maxReplayBody()).isEqualTo(64 * 1024);
    assertThat(u.retry().statuses()).containsExactly(502, 503, 504);
    assertThat(u.breaker()).isEqualTo(BreakerConfig.defaults());
    NexusConfig c = parse("service_routes: {}\n");
    assertThat(c.discovery()).isEqualTo(DiscoveryConfig.defaults());
  }

  @Test
  void readsInstancesBalancingHealthRetryAndBreaker() {
    RouteConfig r = route("""
            instances:
              - url: http://lake-1:8001
                weight: 3
              - http://lake-2:8001/v2
            load_balancing: weighted
            health_check:
              path: /ready
              interval: 2s
            outlier_detection:
              consecutive_failures: 3
              max_ejection_percent: 100
            retry:
              statuses: [503]
              non_idempotent: true
              backoff: 10ms
              max_backoff: 1s
              budget: 0.5
              min_retries_per_second: 0
              max_replay_body: 1mb
            circuit_breaker:
              failure_rate_threshold: 25
              window_type: time
              window_size: 30
              minimum_calls: 5
              wait_in_open: 10s
              half_open_calls: 1
              failure_statuses: [503]
        """);
    UpstreamConfig u = r.upstream();
    assertThat(r.serviceUrl()).isNull();
    assertThat(u.instances()).extracting(i -> i.url().toString(), InstanceConfig::weight)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("http://lake-1:8001", 3),
            org.assertj.core.groups.Tuple.tuple("http://lake-2:8001/v2", 1));
    assertThat(u.loadBalancing()).isEqualTo("weighted");
    assertThat(u.healthCheck()).isEqualTo(new HealthCheckConfig(true, "/ready", Duration.ofSeconds(2),
        Duration.ofSeconds(3), 2, 1));
    assertThat(u.outlier().consecutiveFailures()).isEqualTo(3);
    assertThat(u.outlier().maxEjectionPercent()).isEqualTo(100);
    assertThat(u.retry()).isEqualTo(new RetryConfig(List.of(503), true, Duration.ofMillis(10), Duration.ofSeconds(1),
        0.5, 0, 1 << 20));
    assertThat(u.breaker()).isEqualTo(new BreakerConfig(true, 25, 100, null, "time", 30, 5, Duration.ofSeconds(10), 1,
        List.of(503)));
  }

  @Test
  void healthCheckDefaultsAreTheProposals() {
    HealthCheckConfig h = route("    service_url: http://lake:8001\n    health_check: {}\n").upstream().healthCheck();
    assertThat(h.enabled()).isTrue();
    assertThat(h.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(h.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(h.path()).isEqualTo("/health");
  }

  @Test
  void consulRoutesNeedNoUrlAndTakeTheGlobalDefault() {
    NexusConfig c = parse("""
        discovery:
          type: consul
          consul:
            address: http://consul:8500
            token: secret
            wait: 10m
        service_routes:
          lake:
            prefix: /storage
          stream:
            prefix: /stream
            discovery: static
            service_url: http://stream:8002
          cortex:
            prefix: /ai
            consul_service: datapunk-cortex
            service_url: https://x/api
        """);
    assertThat(c.discovery().consul().token()).isEqualTo("secret");
    assertThat(c.discovery().consul().blockingWait()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.routes().get(0).upstream().discovery()).isEqualTo("consul");
    assertThat(c.routes().get(0).upstream().consulService()).isEqualTo("lake");
    assertThat(c.routes().get(1).upstream().discovery()).isEqualTo("static");
    assertThat(c.routes().get(2).upstream().consulService()).isEqualTo("datapunk-cortex");
    assertThat(c.routes().get(2).basePath()).isEqualTo("/api");
  }

  @Test
  void staticRoutesNeedExactlyOneSourceOfInstances() {
    rejects("    timeout: 3\n", "service_routes.lake.service_url: missing");
    rejects("    service_url: http://a:1\n    instances: [http://b:1]\n", "either service_url or instances");
    rejects("    instances: []\n", "service_routes.lake.instances: an empty list (expected: at least one instance)");
    rejects("    instances: [http://a:1, https://b:1]\n", "service_routes.lake.instances[1].url: https://b:1");
    rejects("    instances: [{url: ftp://a:1}]\n", "service_routes.lake.instances[0].url: ftp://a:1");
    rejects("    instances: [{url: http://a:1, port: 3}]\n", "service_routes.lake.instances[0].port: unknown key");
    rejects("    discovery: consul\n    instances: [http://a:1]\n", "no instances when discovery is consul");
    rejects("    discovery: eureka\n    service_url: http://a:1\n", "service_routes.lake.discovery: eureka");
    rejects("    service_url: http://a:1\n    load_balancing: random\n", "load_balancing: random");
  }

  @Test
  void everyLimitIsCheckedJustInsideAndJustOutside() {
    String url = "    service_url: http://a:1\n";
    assertThat(route(url + "    retry: {max_replay_body: 16mb}\n").upstream().retry().maxReplayBody()).isEqualTo(16 << 20);
    rejects(url + "    retry: {max_replay_body: 16777217}\n", "service_routes.lake.retry.max_replay_body: 16777217");
    assertThat(route(url + "    retry: {max_replay_body: 0}\n").upstream().retry().maxReplayBody()).isZero();
    assertThat(route(url + "    retry: {budget: 10}\n").upstream().retry().budget()).isEqualTo(10);
    rejects(url + "    retry: {budget: 10.5}\n", "service_routes.lake.retry.budget: 10.5 (expected: a number from 0 to 10)");
    rejects(url + "    retry: {budget: -0.1}\n", "retry.budget: -0.1");
    rejects(url + "    retry: {statuses: [600]}\n", "service_routes.lake.retry.statuses[0]: 600");
    rejects(url + "    retry: {backoff: 2s, max_backoff: 1s}\n", "retry.max_backoff: 1000ms (expected: >= backoff");
    assertThat(route(url + "    retry_attempts: 10\n").retryAttempts()).isEqualTo(10);
    rejects(url + "    retry_attempts: 11\n", "retry_attempts: 11");
    assertThat(route("    instances: [{url: 'http://a:1', weight: 1000}]\n").upstream().instances().get(0).weight())
        .isEqualTo(1000);
    rejects("    instances: [{url: 'http://a:1', weight: 1001}]\n", "instances[0].weight: 1001");
    rejects("    instances: [{url: 'http://a:1', weight: 0}]\n", "instances[0].weight: 0");
    assertThat(route(url + "    outlier_detection: {failure_rate: 1}\n").upstream().outlier().failureRate()).isEqualTo(1);
    rejects(url + "    outlier_detection: {failure_rate: 1.01}\n", "outlier_detection.failure_rate: 1.01");
    rejects(url + "    outlier_detection: {max_ejection_percent: 101}\n", "max_ejection_percent: 101");
    rejects(url + "    outlier_detection: {base_ejection_time: 10s, max_ejection_time: 5s}\n",
        "outlier_detection.max_ejection_time: 5000ms (expected: >= base_ejection_time");
    assertThat(route(url + "    circuit_breaker: {failure_rate_threshold: 100}\n").upstream().breaker()
        .failureRateThreshold()).isEqualTo(100);
    rejects(url + "    circuit_breaker: {failure_rate_threshold: 101}\n", "circuit_breaker.failure_rate_threshold: 101");
    rejects(url + "    circuit_breaker: {failure_rate_threshold: 0}\n", "circuit_breaker.failure_rate_threshold: 0");
    rejects(url + "    circuit_breaker: {window_type: sliding}\n", "circuit_breaker.window_type: sliding");
    rejects(url + "    health_check: {path: health}\n", "health_check.path: health (expected: a path starting with /)");
    rejects(url + "    health_check: {unhealthy_threshold: 0}\n", "health_check.unhealthy_threshold: 0");
    rejects(url + "    health_check: {interval: 0}\n", "health_check.interval: 0");
  }

  @Test
  void discoverySectionIsValidated() {
    assertThat(parse("discovery: {consul: {wait: 600s}}\nservice_routes: {}\n").discovery().consul().blockingWait())
        .isEqualTo(Duration.ofMinutes(10));
    assertThatThrownBy(() -> parse("discovery: {consul: {wait: 601s}}\nservice_routes: {}\n"))
        .hasMessageContaining("discovery.consul.wait: 601000ms (expected: at most 10m");
    assertThatThrownBy(() -> parse("discovery: {type: zookeeper}\nservice_routes: {}\n"))
        .hasMessageContaining("discovery.type: zookeeper");
    assertThatThrownBy(() -> parse("discovery: {consul: {register: {enabled: true}}}\nservice_routes: {}\n"))
        .hasMessageContaining("discovery.consul.register.address: missing");
    assertThatThrownBy(() -> parse("discovery: {consul: {adress: x}}\nservice_routes: {}\n"))
        .hasMessageContaining("discovery.consul.adress: unknown key");
  }
}
