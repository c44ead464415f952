package io.datapunk.nexus.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The high-availability settings: {@code server.drain_timeout}, {@code reload:}, {@code api_gateway:}. */
class HaConfigTest {
  static NexusConfig parse(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
  }

  static ConfigException errors(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void defaults() {
    NexusConfig c = parse("service_routes: {}\n");
    assertThat(c.server().drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.reload()).isEqualTo(ReloadConfig.defaults());
    assertThat(c.reload().watch()).isTrue();
    assertThat(c.reload().watchInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.apiGateway()).isEqualTo(ApiGatewayConfig.defaults());
  }

  @Test
  void theProposalsHighAvailabilityBlockIsValidAsWritten() {
    NexusConfig c = parse("""
        api_gateway:
          load_balancer:
            type: "nginx"
            algorithm: "least_connections"
            health_check:
              interval: "5s"
              timeout: "3s"
          high_availability:
            mode: "active_active"
            instances:
              min: 2
              max: 5
        """);
    ApiGatewayConfig a = c.apiGateway();
    assertThat(a.balancer()).isEqualTo("nginx");
    assertThat(a.algorithm()).isEqualTo("least_connections");
    assertThat(a.healthInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(a.healthTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(a.mode()).isEqualTo("active_active");
    assertThat(a.minInstances()).isEqualTo(2);
    assertThat(a.maxInstances()).isEqualTo(5);
  }

  @Test
  void drainTimeoutFromZeroToOneHour() {
    assertThat(parse("server: {drain_timeout: 0}\n").server().drainTimeout()).isZero();
    assertThat(parse("server: {drain_timeout: 1h}\n").server().drainTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(parse("server: {drain_timeout: 3600}\n").server().drainTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(errors("server: {drain_timeout: 3601}\n").errors())
        .containsExactly("server.drain_timeout: 3601 (expected: a duration from 0 to 1h, such as 30, 30s or 500ms)");
    assertThat(errors("server: {drain_timeout: soon}\n").errors()).singleElement().asString()
        .startsWith("server.drain_timeout: soon (expected:");
  }

  @Test
  void watchIntervalFrom100msToOneHour() {
    assertThat(parse("reload: {watch_interval: 100ms}\n").reload().watchInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(parse("reload: {watch_interval: 1h}\n").reload().watchInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(errors("reload: {watch_interval: 99ms}\n").errors())
        .containsExactly("reload.watch_interval: 99ms (expected: a duration from 100ms to 1h, such as 30, 30s or 500ms)");
    assertThat(errors("reload: {watch_interval: 3601s}\n").errors()).singleElement().asString()
        .startsWith("reload.watch_interval: 3601s");
    assertThat(parse("reload: {watch: false}\n").reload().watch()).isFalse();
    assertThat(errors("reload: {watch: sometimes, every: 1s}\n").errors())
        .contains("reload.watch: sometimes (expected: true or false)")
        .anyMatch(e -> e.startsWith("reload.every: unknown key"));
  }

  @Test
  void instancesFromOneToAHundredWithMaxAtLeastMin() {
    assertThat(parse("api_gateway: {high_availability: {instances: {min: 1, max: 100}}}\n").apiGateway().maxInstances())
        .isEqualTo(100);
    assertThat(parse("api_gateway: {high_availability: {instances: {min: 3, max: 3}}}\n").apiGateway().minInstances())
        .isEqualTo(3);
    assertThat(errors("api_gateway: {high_availability: {instances: {min: 0, max: 101}}}\n").errors()).containsExactly(
        "api_gateway.high_availability.instances.min: 0 (expected: an integer from 1 to 100)",
        "api_gateway.high_availability.instances.max: 101 (expected: an integer from 1 to 100)");
    assertThat(errors("api_gateway: {high_availability: {instances: {min: 4, max: 3}}}\n").errors())
        .containsExactly("api_gateway.high_availability.instances.max: 3 (expected: >= instances.min (4))");
  }

  @Test
  void healthCheckTimeoutAtMostTheInterval() {
    assertThat(parse("api_gateway: {load_balancer: {health_check: {interval: 5s, timeout: 5s}}}\n").apiGateway()
        .healthTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(errors("api_gateway: {load_balancer: {health_check: {interval: 5s, timeout: 6s}}}\n").errors())
        .containsExactly("api_gateway.load_balancer.health_check.timeout: 6s (expected: at most health_check.interval)");
  }

  @Test
  void onlyWhatTheDeploymentImplements() {
    assertThat(errors("""
        api_gateway:
          load_balancer: {type: haproxy, algorithm: random}
          high_availability: {mode: active_passive}
          extra: 1
        """).errors()).containsExactly(
        "api_gateway.load_balancer.type: haproxy (expected: one of nginx)",
        "api_gateway.load_balancer.algorithm: random (expected: one of least_connections, round_robin)",
        "api_gateway.high_availability.mode: active_passive (expected: one of active_active)",
        "api_gateway.extra: unknown key (expected: one of high_availability, load_balancer)");
    assertThatThrownBy(() -> parse("api_gateway: [nginx]\n")).isInstanceOf(ConfigException.class);
  }
}
