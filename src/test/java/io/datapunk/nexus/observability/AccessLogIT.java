package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.Http1;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The access log (one JSON line per request, every field), the audit log kept apart, W3C trace
 * context propagation, and no credential in any log whatever way it was sent.
 */
class AccessLogIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String PARENT_ID = "00f067aa0ba902b7";
  static final List<String> APP_LOG = new CopyOnWriteArrayList<>();
  static final AppenderBase<ILoggingEvent> CAPTURE = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent e) {
      APP_LOG.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()));
    }
  };

  @TempDir
  static Path dir;
  static TestUpstream lake;
  static GatewayFixture gw;
  static Level previousLevel;

  @BeforeAll
  static void start() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    CAPTURE.start();
    root.addAppender(CAPTURE);
    Logger ours = (Logger) LoggerFactory.getLogger("io.datapunk");
    previousLevel = ours.getLevel();
    ours.setLevel(Level.DEBUG);
    lake = TestUpstream.start();
    gw = GatewayFixture.start("""
        admin:
          port: 0
          token: access-log-test-admin-token
        observability:
          access_log: {path: "${DIR}/logs/access.log"}
          audit_log: {path: "${DIR}/logs/audit.log"}
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
        """, Map.of("LAKE", lake.url(), "DIR", dir.toString()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    lake.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(CAPTURE);
    ((Logger) LoggerFactory.getLogger("io.datapunk")).setLevel(previousLevel);
  }

  static List<JsonNode> lines(String file) throws IOException {
    Path p = dir.resolve("logs").resolve(file);
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(p)) {
      return out;
    }
    for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
      out.add(JSON.readTree(line)); // every line parses as JSON, or the test fails here
    }
    return out;
  }

  static JsonNode accessLineFor(String requestId) throws IOException {
    for (JsonNode n : lines("access.log")) {
      if (requestId.equals(n.path("request_id").asText())) {
        return n;
      }
    }
    return null;
  }

  @Test
  void everyRequestIsOneJsonLineWithAllFields() throws Exception {
    HttpResponse<String> r = Http1.send(HttpRequest.newBuilder(gw.uri("/storage/items?x=1"))
        .header("X-Request-Id", "req-fields-1").GET().build());
    assertThat(r.statusCode()).isEqualTo(200);
    Http1.send(HttpRequest.newBuilder(gw.uri("/nowhere")).header("X-Request-Id", "req-fields-2").GET().build());
    await().atMost(Duration.ofSeconds(10)).until(() -> accessLineFor("req-fields-2") != null);
    JsonNode ok = accessLineFor("req-fields-1");
    assertThat(ok.fieldNames()).toIterable().contains("time", "log", "request_id", "trace_id", "span_id", "client",
        "method", "path", "route", "status", "bytes", "duration_ms", "upstream", "upstream_ms", "cache", "retries", "error");
    assertThat(ok.path("log").asText()).isEqualTo("access");
    assertThat(ok.path("client").asText()).isEqualTo("127.0.0.1");
    assertThat(ok.path("method").asText()).isEqualTo("GET");
    assertThat(ok.path("path").asText()).isEqualTo("/storage/items");
    assertThat(ok.path("route").asText()).isEqualTo("lake");
    assertThat(ok.path("status").asInt()).isEqualTo(200);
    assertThat(ok.path("bytes").asLong()).isEqualTo(r.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(ok.path("duration_ms").asDouble()).isPositive();
    assertThat(ok.path("upstream").asText()).isEqualTo("http://127.0.0.1:" + lake.port());
    assertThat(ok.path("upstream_ms").asDouble()).isPositive().isLessThanOrEqualTo(ok.path("duration_ms").asDouble());
    assertThat(ok.path("cache").isNull()).isTrue();
    assertThat(ok.path("retries").asInt()).isZero();
    assertThat(ok.path("error").isNull()).isTrue();
    assertThat(ok.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    JsonNode notFound = accessLineFor("req-fields-2");
    assertThat(notFound.path("status").asInt()).isEqualTo(404);
    assertThat(notFound.path("route").isNull()).isTrue();
    assertThat(notFound.path("error").asText()).isEqualTo("not_found");
    assertThat(notFound.path("upstream").isNull()).isTrue();
    assertThat(notFound.path("upstream_ms").isNull()).isTrue();
  }

  @Test
  void clientTraceparentReachesTheUpstreamWithTheSameTraceAndANewSpan() throws Exception {
    HttpResponse<String> r = Http1.send(HttpRequest.newBuilder(gw.uri("/storage/t"))
        .header("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-01")
        .header("tracestate", "vendor=abc")
        .header("X-Request-Id", "req-trace-1").GET().build());
    JsonObject seen = new JsonObject(r.body()).getJsonObject("headers");
    String sent = seen.getString("traceparent");
    assertThat(sent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(sent.substring(3, 35)).isEqualTo(TRACE_ID);
    String gatewaySpan = sent.substring(36, 52);
    assertThat(gatewaySpan).isNotEqualTo(PARENT_ID).isNotEqualTo("0000000000000000");
    assertThat(seen.getString("tracestate")).isEqualTo("vendor=abc");
    await().atMost(Duration.ofSeconds(10)).until(() -> accessLineFor("req-trace-1") != null);
    JsonNode line = accessLineFor("req-trace-1");
    assertThat(line.path("trace_id").asText()).isEqualTo(TRACE_ID);
    assertThat(line.path("span_id").asText()).isEqualTo(gatewaySpan);
  }

  @Test
  void traceIsCreatedWhenAbsentOrInvalid() throws Exception {
    JsonObject absent = new JsonObject(Http1.send(HttpRequest.newBuilder(gw.uri("/storage/t"))
        .header("X-Request-Id", "req-trace-2").GET().build()).body()).getJsonObject("headers");
    assertThat(absent.getString("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    JsonObject invalid = new JsonObject(Http1.send(HttpRequest.newBuilder(gw.uri("/storage/t"))
        .header("traceparent", "00-" + "0".repeat(32) + "-" + PARENT_ID + "-01")
        .header("tracestate", "vendor=stale").GET().build()).body()).getJsonObject("headers");
    String fresh = invalid.getString("traceparent");
    assertThat(fresh).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(fresh.substring(3, 35)).isNotEqualTo("0".repeat(32));
    assertThat(invalid.getString("tracestate")).as("tracestate of an invalid trace is dropped").isNull();
    await().atMost(Duration.ofSeconds(10)).until(() -> accessLineFor("req-trace-2") != null);
    assertThat(accessLineFor("req-trace-2").path("trace_id").asText())
        .isEqualTo(absent.getString("traceparent").substring(3, 35));
  }

  @Test
  void credentialsSentEveryWayNeverReachAnyLog() throws Exception {
    List<String> secrets = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      secrets.add("S3cr3t" + i + "x" + Long.toHexString(Double.doubleToLongBits(Math.random())));
    }
    String basic = Base64.getEncoder().encodeToString(("alice:" + secrets.get(1)).getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/storage/secret?token=" + secrets.get(4) + "&api_key="
            + secrets.get(5) + "&access_token=" + secrets.get(6)))
        .header("Authorization", "Bearer " + secrets.get(0))
        .header("Proxy-Authorization", "Basic " + basic)
        .header("X-API-Key", secrets.get(2))
        .header("Cookie", "session=" + secrets.get(3))
        .header("X-Request-Id", "req-secret-1");
    assertThat(Http1.send(b.GET().build()).statusCode()).isEqualTo(200);
    // The same credentials on an error path (no route) and in a body.
    Http1.send(HttpRequest.newBuilder(gw.uri("/nowhere?token=" + secrets.get(4)))
        .header("Authorization", "Bearer " + secrets.get(0)).header("X-Request-Id", "req-secret-2")
        .POST(HttpRequest.BodyPublishers.ofString("password=" + secrets.get(7))).build());
    // Wrong and right admin tokens: the failure is audited, neither token is logged.
    HttpResponse<String> denied = Http1.send(HttpRequest.newBuilder(gw.adminUri("/admin/summary"))
        .header("Authorization", "Bearer " + secrets.get(8)).GET().build());
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(Http1.send(HttpRequest.newBuilder(gw.adminUri("/admin/config"))
        .header("Authorization", "Bearer access-log-test-admin-token").GET().build()).body())
        .doesNotContain("access-log-test-admin-token");
    Http1.send(HttpRequest.newBuilder(gw.adminUri("/admin/cache/purge"))
        .header("Authorization", "Bearer access-log-test-admin-token")
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"" + secrets.get(9) + "\"}")).build());

    await().atMost(Duration.ofSeconds(10)).until(() -> accessLineFor("req-secret-2") != null
        && lines("audit.log").stream().anyMatch(n -> n.path("event").asText().equals("admin_auth_failed"))
        && lines("audit.log").stream().anyMatch(n -> n.path("event").asText().equals("admin_action")));
    assertThat(accessLineFor("req-secret-1").path("status").asInt()).isEqualTo(200);

    List<Path> logs = new ArrayList<>();
    try (var files = Files.list(dir.resolve("logs"))) {
      files.forEach(logs::add);
    }
    assertThat(logs).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder("access.log", "audit.log");
    String everything = String.join("\n", APP_LOG);
    for (Path p : logs) {
      everything += "\n" + Files.readString(p);
    }
    assertThat(everything).contains("req-secret-1").contains("admin_auth_failed");
    for (String secret : secrets) {
      assertThat(everything).as("a credential in a log").doesNotContain(secret);
    }
    assertThat(everything).doesNotContain(basic).doesNotContain("access-log-test-admin-token");
  }
}
