package io.datapunk.nexus.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  private static final String PROPOSAL = """
      service_routes:
        lake:
          prefix: "/storage"
          service_url: "http://datapunk-lake:8001"
          timeout: 30
          retry_attempts: 3
        stream:
          prefix: "/stream"
          service_url: "http://datapunk-stream:8002"
          timeout: 5
          retry_attempts: 2
        cortex:
          prefix: "/ai"
          service_url: "http://datapunk-cortex:8003"
          timeout: 10
          retry_attempts: 2
        forge:
          prefix: "/model"
          service_url: "http://datapunk-forge:8004"
          timeout: 20
          retry_attempts: 3
      network_optimization:
        connection_pooling:
          enabled: true
          min_size: 10
          max_size: 100
        compression:
          enabled: true
          algorithm: "gzip"
          min_size: 1024
      """;

  private static NexusConfig parse(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
  }

  private static ConfigException errors(String yaml, Map<String, String> env) {
    try {
      new ConfigLoader(env::get).parse(yaml);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void theProposalBlocksAreValidAsWritten() {
    NexusConfig c = parse(PROPOSAL);
    assertThat(c.routes()).extracting(RouteConfig::name).containsExactly("lake", "stream", "cortex", "forge");
    RouteConfig lake = c.routes().get(0);
    assertThat(lake.prefix()).isEqualTo("/storage");
    assertThat(lake.serviceUrl().getPort()).isEqualTo(8001);
    assertThat(lake.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(lake.retryAttempts()).isEqualTo(3);
    assertThat(c.pool().minSize()).isEqualTo(10);
    assertThat(c.pool().maxSize()).isEqualTo(100);
    assertThat(c.compression().minSize()).isEqualTo(1024);
    assertThat(c.server().port()).isEqualTo(ServerConfig.DEFAULT_PORT);
    assertThat(c.admin().port()).isEqualTo(AdminConfig.DEFAULT_PORT);
  }

  @Test
  void theShippedConfigIsValid() {
    NexusConfig c = new ConfigLoader(Map.<String, String>of()::get).load(Path.of("config/nexus.yaml"));
    assertThat(c.routes()).extracting(RouteConfig::prefix).containsExactly("/storage", "/stream", "/ai", "/model");
  }

  @Test
  void substitutesEnvironmentVariablesWithDefaults() {
    NexusConfig c = new ConfigLoader(Map.of("LAKE", "http://10.0.0.5:9001")::get).parse("""
        server:
          port: ${PORT:-8123}
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
        """);
    assertThat(c.server().port()).isEqualTo(8123);
    assertThat(c.routes().get(0).serviceUrl().toString()).isEqualTo("http://10.0.0.5:9001");
  }

  @Test
  void anUnsetVariableWithoutDefaultIsAnErrorAtItsPath() {
    ConfigException e = errors("""
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE_URL}
        """, Map.of());
    assertThat(e.errors()).singleElement().asString()
        .startsWith("service_routes.lake.service_url: ${LAKE_URL} is not set");
  }

  @Test
  void reportsEveryErrorWithItsPath() {
    ConfigException e = errors("""
        server:
          port: 70000
        service_routes:
          lake:
            prefix: storage
            service_url: ftp://x
            timeout: -1
            retry_atempts: 3
        network_optimization:
          connection_pooling:
            min_size: 200
            max_size: 100
        """, Map.of());
    assertThat(e.errors()).containsExactlyInAnyOrder(
        "server.port: 70000 (expected: an integer from 0 to 65535)",
        "service_routes.lake.prefix: storage (expected: a path starting with /, without query or fragment)",
        "service_routes.lake.service_url: ftp://x (expected: an absolute http:// or https:// URL with a host)",
        "service_routes.lake.timeout: -1 (expected: > 0, a duration such as 30, 30s or 500ms)",
        "service_routes.lake.retry_atempts: unknown key (expected: one of auth, cache, circuit_breaker, "
            + "consul_service, cors, discovery, health_check, http_version, idle_timeout, instances, load_balancing, "
            + "max_body_size, outlier_detection, prefix, query, rate_limit, request_headers, response_headers, retry, "
            + "retry_attempts, rewrite, service_url, "
            + "strip_prefix, timeout)",
        "network_optimization.connection_pooling.min_size: 200 (expected: <= max_size (100))");
  }

  @Test
  void unknownTopLevelSectionsAreErrors() {
    assertThat(errors("servr:\n  port: 1\n", Map.of()).errors()).singleElement().asString()
        .startsWith("servr: unknown key (expected: one of ");
  }

  @Test
  void missingRequiredKeysAndDuplicatePrefixesAreErrors() {
    ConfigException e = errors("""
        service_routes:
          a:
            prefix: /x
          b:
            prefix: /x
            service_url: http://h:1
        """, Map.of());
    assertThat(e.errors()).containsExactlyInAnyOrder(
        "service_routes.a.service_url: missing (expected: a value)",
        "service_routes.b.prefix: /x (expected: a prefix not already used by service_routes.a)");
  }

  @Test
  void durationsAndSizesAcceptTheirNotations() {
    NexusConfig c = parse("""
        service_routes:
          a: {prefix: /a, service_url: "http://h:1", timeout: 500ms}
          b: {prefix: /b, service_url: "http://h:1", timeout: 2m}
        network_optimization:
          compression: {min_size: 2kb}
          connection_pooling: {idle_timeout: 1.5s}
        """);
    assertThat(c.routes().get(0).timeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.routes().get(1).timeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.compression().minSize()).isEqualTo(2048);
    assertThat(c.pool().idleTimeout()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void invalidRegexAndHeaderNamesAreReported() {
    ConfigException e = errors("""
        service_routes:
          a:
            prefix: /a
            service_url: http://h:1
            rewrite: {regex: "([a-z", replacement: "/x"}
            request_headers:
              set: {"Bad Header": v}
        """, Map.of());
    assertThat(e.errors()).hasSize(2);
    assertThat(e.errors().get(0)).startsWith("service_routes.a.rewrite.regex: ([a-z (expected: a Java regular expression");
    assertThat(e.errors().get(1)).startsWith("service_routes.a.request_headers.Bad Header: Bad Header (expected: a header name");
  }

  @Test
  void notYamlIsOneClearError(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("x.yaml"), "server: [unclosed\n");
    assertThatThrownBy(() -> new ConfigLoader().load(f)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid YAML at line");
  }
}
