package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.Http1;
import io.datapunk.nexus.testing.Scrape;
import io.datapunk.nexus.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * deploy/observability: the alert rules pass {@code promtool check rules} and their unit tests, the
 * Grafana dashboard is valid JSON, and every {@code nexus_} series either file uses is one a real
 * gateway exports (or one a later capability registers through {@link Metrics}).
 */
class DeployObservabilityIT {
  static final Path DIR = Path.of("deploy", "observability");
  /** Series registered by other capabilities through Metrics.redis(...) and Metrics.certificate(...). */
  static final Set<String> REGISTERED_LATER = Set.of("nexus_redis_up", "nexus_tls_certificate_expiry_seconds");
  static final Pattern SERIES = Pattern.compile("\\b(nexus_[a-z_]+)\\b");

  static String promtool() {
    for (String p : new String[] {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + out).isZero();
    return out;
  }

  @Test
  void promtoolAcceptsTheRulesAndTheirTests() throws Exception {
    String promtool = promtool();
    Assumptions.assumeTrue(promtool != null || System.getenv("CI") != null,
        "promtool is not installed (./nexus test installs Debian's prometheus package)");
    assertThat(run(promtool, "check", "rules", "nexus-rules.yml")).contains("SUCCESS");
    assertThat(run(promtool, "test", "rules", "nexus-rules.test.yml")).contains("SUCCESS");
  }

  @Test
  void rulesCoverTheRequiredAlerts() throws Exception {
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve("nexus-rules.yml").toFile());
    Set<String> alerts = new TreeSet<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("alert")) {
          alerts.add(rule.path("alert").asText());
          assertThat(rule.path("expr").asText()).isNotBlank();
          assertThat(rule.path("labels").path("severity").asText()).isIn("info", "warning", "critical");
          assertThat(rule.path("annotations").path("summary").asText()).isNotBlank();
        }
      }
    }
    assertThat(alerts).contains("NexusServiceDown", "NexusHighErrorRate", "NexusHighLatency", "NexusBreakerOpen",
        "NexusCacheHitRateDrop", "NexusRedisUnreachable", "NexusCertificateExpiresSoon");
  }

  @Test
  void everySeriesUsedIsExported() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DIR.resolve("grafana-dashboard.json").toFile());
    assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(10);
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        exprs.add(target.path("expr").asText());
      }
    }
    exprs.add(Files.readString(DIR.resolve("nexus-rules.yml")));
    Set<String> used = new TreeSet<>();
    for (String e : exprs) {
      Matcher m = SERIES.matcher(e);
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    try (TestUpstream lake = TestUpstream.start();
         GatewayFixture gw = GatewayFixture.start("""
             service_routes:
               lake:
                 prefix: /storage
                 service_url: ${LAKE}
             observability:
               access_log: {path: "${LOG}"}
               audit_log: {path: "${LOG}"}
             """, Map.of("LAKE", lake.url(), "LOG", Files.createTempDirectory("nexus-deploy").resolve("x.log").toString()))) {
      Http1.get(gw.uri("/storage/x"));
      Http1.get(gw.uri("/nowhere")); // nexus_request_errors_total{code} appears with the first error
      gw.gateway.observability().metrics().cache().route("lake").miss();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
          new Scrape(Http1.get(gw.adminUri("/metrics")).body()).sum("nexus_requests_total") >= 2);
      Scrape s = new Scrape(Http1.get(gw.adminUri("/metrics")).body());
      Set<String> exported = new TreeSet<>();
      s.samples().forEach(x -> exported.add(x.name()));
      for (String name : used) {
        if (REGISTERED_LATER.contains(name)) {
          continue;
        }
        assertThat(exported).as("series used by deploy/observability").contains(name);
      }
    }
  }
}
