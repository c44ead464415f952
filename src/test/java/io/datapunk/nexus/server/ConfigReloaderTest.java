package io.datapunk.nexus.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.proxy.UpstreamServices;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a reload reports as needing a restart, and when two services may share a pool. */
class ConfigReloaderTest {
  static NexusConfig parse(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
  }

  static final String BASE = """
      server: {port: 8000, idle_timeout: 60s, drain_timeout: 30s}
      admin: {port: 9000, allow: [127.0.0.1, 10.0.0.0/8]}
      redis: {nodes: ["r1:6379"], password: "s3cret-one"}
      service_routes:
        lake: {prefix: /storage, service_url: "http://lake:8001", timeout: 30}
      """;

  @Test
  void listenerAdminAndRedisChangesNeedARestartButDrainTimeoutAndRoutesDoNot() {
    NexusConfig running = parse(BASE);
    assertThat(ConfigReloader.restartRequired(running, parse(BASE))).isEmpty();
    assertThat(ConfigReloader.restartRequired(running, parse(BASE.replace("drain_timeout: 30s", "drain_timeout: 5s")
        .replace("timeout: 30}", "timeout: 10}").replace("http://lake:8001", "http://lake2:8001")))).isEmpty();
    assertThat(ConfigReloader.restartRequired(running, parse(BASE.replace("port: 8000", "port: 8001")
        .replace("idle_timeout: 60s", "idle_timeout: 30s").replace("port: 9000", "port: 9001")
        .replace("10.0.0.0/8", "10.0.0.0/16")
        .replace("s3cret-one", "s3cret-two"))))
        .containsExactly("server.port: 8000 -> 8001", "server.idle_timeout: PT1M -> PT30S",
            "admin.port: 9000 -> 9001", "admin.allow: [127.0.0.1, 10.0.0.0/8] -> [127.0.0.1, 10.0.0.0/16]",
            "redis.password: (changed) -> (changed)");
  }

  static UpstreamServices.Reuse reuse(String before, String after) {
    NexusConfig a = parse(before);
    NexusConfig b = parse(after);
    return ServicePools.reuse(a.routes().get(0), a.pool(), b.routes().get(0), b.pool());
  }

  @Test
  void aServiceIsKeptWhileItsAddressHealthCheckAndPoolSettingsStayTheSame() {
    assertThat(reuse(BASE, BASE)).as("nothing changed: the upstream too").isEqualTo(UpstreamServices.Reuse.WHOLE);
    assertThat(reuse(BASE, BASE.replace("timeout: 30}", "timeout: 5, strip_prefix: false, retry_attempts: 2}")))
        .as("route policies changed: same pool and instances, new upstream").isEqualTo(UpstreamServices.Reuse.SERVICE);
    assertThat(reuse(BASE, BASE.replace("timeout: 30}", "timeout: 30, circuit_breaker: {failure_rate_threshold: 70}}")))
        .isEqualTo(UpstreamServices.Reuse.SERVICE);
    assertThat(reuse(BASE, BASE.replace("http://lake:8001", "http://lake:8002"))).isEqualTo(UpstreamServices.Reuse.NONE);
    assertThat(reuse(BASE, BASE.replace("http://lake:8001", "http://lake:8001/api")))
        .as("the base path belongs to the instance").isEqualTo(UpstreamServices.Reuse.NONE);
    assertThat(reuse(BASE, BASE + "network_optimization: {connection_pooling: {max_size: 70}}\n"))
        .isEqualTo(UpstreamServices.Reuse.NONE);
    assertThat(reuse(BASE, BASE.replace("timeout: 30}", "timeout: 30, health_check: {path: /up}}")))
        .isEqualTo(UpstreamServices.Reuse.NONE);
    NexusConfig a = parse(BASE);
    assertThat(ServicePools.reuse(null, a.pool(), a.routes().get(0), a.pool())).isEqualTo(UpstreamServices.Reuse.NONE);
  }

  @Test
  void camelCaseComponentsAreNamedAsTheirYamlKeys() {
    assertThat(ConfigReloader.snake("maxInitialLineLength")).isEqualTo("max_initial_line_length");
    assertThat(ConfigReloader.snake("port")).isEqualTo("port");
  }
}
