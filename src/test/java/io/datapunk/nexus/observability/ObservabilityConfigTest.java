package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapunk.nexus.config.ConfigException;
import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code observability:} and {@code admin:} keys: defaults, and each limit just inside and just outside. */
class ObservabilityConfigTest {
  static final String ROUTES = """
      service_routes:
        lake: {prefix: /storage, service_url: "http://lake:8001"}
      """;

  static NexusConfig parse(String yaml) {
    return new ConfigLoader(Map.of("ADMIN_TOKEN", "from-the-environment-0123")::get).parse(ROUTES + yaml);
  }

  static String errors(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return String.join("\n", e.errors());
    }
    throw new AssertionError("expected config errors for:\n" + yaml);
  }

  @Test
  void defaults() {
    ObservabilityConfig o = parse("").observability();
    assertThat(o.metricsEnabled()).isTrue();
    assertThat(o.accessLog()).isEqualTo(new ObservabilityConfig.LogConfig(true, "stdout", 8192));
    assertThat(o.auditLog()).isEqualTo(new ObservabilityConfig.LogConfig(true, "stderr", 1024));
    assertThat(o.recentErrors()).isEqualTo(100);
    assertThat(o.sampleInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.history()).isEqualTo(150);
    assertThat(o).isEqualTo(ObservabilityConfig.defaults());
    assertThat(parse("").admin().token()).isNull();
    assertThat(parse("").admin().allow().allowsAll()).isTrue();
  }

  @Test
  void switchesAndPaths() {
    ObservabilityConfig o = parse("""
        observability:
          metrics: {enabled: false}
          access_log: {enabled: false, path: /var/log/nexus/access.log, queue_size: 100}
          audit_log: {path: stdout}
        """).observability();
    assertThat(o.metricsEnabled()).isFalse();
    assertThat(o.accessLog()).isEqualTo(new ObservabilityConfig.LogConfig(false, "/var/log/nexus/access.log", 100));
    assertThat(o.auditLog().path()).isEqualTo("stdout");
  }

  @Test
  void limitsJustInsideAndOutside() {
    ObservabilityConfig inside = parse("""
        observability:
          access_log: {queue_size: 16}
          audit_log: {queue_size: 1048576}
          recent_errors: 1
          dashboard: {sample_interval: 100ms, history: 2}
        """).observability();
    assertThat(inside.accessLog().queueSize()).isEqualTo(16);
    assertThat(inside.auditLog().queueSize()).isEqualTo(1 << 20);
    assertThat(inside.recentErrors()).isEqualTo(1);
    assertThat(inside.sampleInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(inside.history()).isEqualTo(2);
    assertThat(parse("observability: {recent_errors: 10000, dashboard: {sample_interval: 60s, history: 10000}}")
        .observability().sampleInterval()).isEqualTo(Duration.ofSeconds(60));

    String outside = errors("""
        observability:
          access_log: {queue_size: 15}
          audit_log: {queue_size: 1048577}
          recent_errors: 0
          dashboard: {sample_interval: 99ms, history: 1}
          tracing: {otlp: on}
        """);
    assertThat(outside).contains("observability.access_log.queue_size: 15 (expected: an integer from 16 to 1048576)")
        .contains("observability.audit_log.queue_size: 1048577 (expected: an integer from 16 to 1048576)")
        .contains("observability.recent_errors: 0 (expected: an integer from 1 to 10000)")
        .contains("observability.dashboard.sample_interval: 99ms (expected: from 100ms to 60s)")
        .contains("observability.dashboard.history: 1 (expected: an integer from 2 to 10000)")
        .contains("observability.tracing: unknown key");
    assertThat(errors("observability: {dashboard: {sample_interval: 61s}}"))
        .contains("observability.dashboard.sample_interval: 61s (expected: from 100ms to 60s)");
  }

  @Test
  void adminTokenLengthAndEnvironment() {
    assertThat(parse("admin: {token: \"0123456789abcdef\"}").admin().token()).hasSize(16);
    assertThat(parse("admin: {token: \"${ADMIN_TOKEN}\"}").admin().token()).isEqualTo("from-the-environment-0123");
    String tooShort = errors("admin: {token: \"0123456789abcde\"}");
    assertThat(tooShort).contains("admin.token: (15 characters) (expected: from 16 to 4096 characters)")
        .doesNotContain("0123456789abcde");
    assertThat(parse("admin: {token: \"\"}").admin().token()).isNull();
    assertThat(parse("admin: {token: \"0123456789abcdef\"}").admin().toString()).doesNotContain("0123456789abcdef");
  }

  @Test
  void adminAllowList() {
    var allow = parse("admin: {allow: [\"10.0.0.0/8\", \"192.168.1.7\", \"::1\", \"fd00::/8\"]}").admin().allow();
    assertThat(allow.allows("10.1.2.3")).isTrue();
    assertThat(allow.allows("11.0.0.1")).isFalse();
    assertThat(allow.allows("192.168.1.7")).isTrue();
    assertThat(allow.allows("192.168.1.8")).isFalse();
    assertThat(allow.allows("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(allow.allows("fd12::5")).isTrue();
    assertThat(allow.allows("::ffff:10.9.9.9")).as("IPv4-mapped address").isTrue();
    assertThat(allow.allows("not-an-ip")).isFalse();
    assertThat(allow.allows(null)).isFalse();
    var edge = parse("admin: {allow: [\"10.0.0.0/31\"]}").admin().allow();
    assertThat(edge.allows("10.0.0.1")).isTrue();
    assertThat(edge.allows("10.0.0.2")).isFalse();
    assertThat(errors("admin: {allow: [\"10.0.0.0/33\", \"example.com\", \"1.2.3\"]}"))
        .contains("admin.allow[0]: 10.0.0.0/33 (expected: an IP address or CIDR block such as 10.0.0.0/8 or ::1)")
        .contains("admin.allow[1]: example.com").contains("admin.allow[2]: 1.2.3");
    assertThatThrownBy(() -> parse("admin: {allow: \"10.0.0.0/8\"}")).isInstanceOf(ConfigException.class);
  }
}
