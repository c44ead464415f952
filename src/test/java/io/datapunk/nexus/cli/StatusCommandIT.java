package io.datapunk.nexus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.Http1;
import io.datapunk.nexus.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code nexus status} prints the admin summary: services, availability, breaker, latency, cache, errors. */
class StatusCommandIT {
  static final String TOKEN = "status-test-token-0123456789";

  static int run(StringBuilder out, StringBuilder err, String... args) {
    StatusCommand cmd = new StatusCommand();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    cmd.out = new PrintStream(o, true, StandardCharsets.UTF_8);
    cmd.err = new PrintStream(e, true, StandardCharsets.UTF_8);
    int code = new CommandLine(cmd).execute(args);
    out.append(o.toString(StandardCharsets.UTF_8));
    err.append(e.toString(StandardCharsets.UTF_8));
    return code;
  }

  @Test
  void printsTheSummaryFromTheAdminApi() {
    try (TestUpstream lake = TestUpstream.start();
         GatewayFixture gw = GatewayFixture.start("""
             admin:
               port: 0
               token: ${TOKEN}
             observability:
               access_log: {enabled: false}
               audit_log: {enabled: false}
             service_routes:
               lake:
                 prefix: /storage
                 service_url: ${LAKE}
               forge:
                 prefix: /model
                 service_url: http://127.0.0.1:1
                 outlier_detection: {max_ejection_percent: 100}
             network_optimization:
               connection_pooling: {min_size: 0}
             """, Map.of("LAKE", lake.url(), "TOKEN", TOKEN))) {
      for (int i = 0; i < 4; i++) {
        Http1.get(gw.uri("/storage/x"));
      }
      Http1.get(gw.uri("/model/x"));
      String admin = "http://127.0.0.1:" + gw.gateway.adminPort();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
        StringBuilder o = new StringBuilder();
        run(o, new StringBuilder(), "--admin", admin, "--token", TOKEN);
        return o.toString().contains("service_down");
      });
      StringBuilder out = new StringBuilder();
      StringBuilder err = new StringBuilder();
      assertThat(run(out, err, "--admin", admin, "--token", TOKEN)).isZero();
      String text = out.toString();
      assertThat(text).contains("SERVICE", "AVAILABLE", "BREAKER", "REQ/S", "ERR%", "P50", "P99", "INSTANCES");
      assertThat(text).containsPattern("lake\\s+yes\\s+closed\\s+.*\\s4\\s+1/1 up");
      assertThat(text).containsPattern("forge\\s+NO\\s+closed\\s+.*\\s1\\s+0/1 up down: 127.0.0.1:1");
      assertThat(text).contains("Cache: no cache configured (0 entries, no hit rate)");
      assertThat(text).contains("Recent errors:").contains("502 service_down").contains("/model/x");
      assertThat(err.toString()).isEmpty();

      StringBuilder badOut = new StringBuilder();
      StringBuilder badErr = new StringBuilder();
      assertThat(run(badOut, badErr, "--admin", admin, "--token", "wrong-token-0123456789")).isEqualTo(1);
      assertThat(badErr.toString()).contains("answered 401").doesNotContain("wrong-token");
    }
  }

  @Test
  void unreachableAdminPortIsReported() {
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    assertThat(run(out, err, "--admin", "http://127.0.0.1:1", "--token", TOKEN)).isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach http://127.0.0.1:1");
  }
}
