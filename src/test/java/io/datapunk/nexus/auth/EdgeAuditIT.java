package io.datapunk.nexus.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.RawHttp;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Edge security in the audit log (its own JSON-lines file): refused credentials, rate-limit
 * rejections, requests refused by validation and by the HTTP/1 decoder, each with its client (and
 * request id), and never the credential itself.
 */
class EdgeAuditIT {
  @Test
  void securityEventsGoToTheirOwnFileWithoutSecrets() throws Exception {
    Path dir = Files.createTempDirectory("nexus-audit");
    Path file = dir.resolve("audit.log");
    try (TestUpstream upstream = TestUpstream.start();
         GatewayFixture gateway = GatewayFixture.start("""
             observability:
               audit_log:
                 path: ${FILE}
             security:
               jwt:
                 issuer: https://issuer.test
                 audience: nexus
                 keys:
                   - id: k
                     algorithms: [HS256]
                     secret: 0123456789abcdef0123456789abcdef-audit
             service_routes:
               api:
                 prefix: /api
                 service_url: ${UP}
                 auth:
                   policy: jwt_or_api_key
               limited:
                 prefix: /limited
                 service_url: ${UP}
                 rate_limit:
                   client: {rate: 1, per: 1m, burst: 1}
             network_optimization:
               connection_pooling:
                 min_size: 0
             """, Map.of("UP", upstream.url(), "FILE", file.toString()))) {
      String secretToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ";
      gateway.send(HttpRequest.newBuilder(gateway.uri("/api/a")).header("Authorization", "Bearer " + secretToken).build());
      gateway.send(HttpRequest.newBuilder(gateway.uri("/api/b")).header("X-Api-Key", "nxk_feedface_supersecretvalue").build());
      gateway.get("/limited/1");
      gateway.get("/limited/2");
      RawHttp.send(gateway.port(), "GET /api/x HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n");
      RawHttp.send(gateway.port(), "GET /api/../../x HTTP/1.1\r\nHost: a\r\n\r\n");

      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) && Files.readAllLines(file).size() >= 5);
      List<JsonObject> events = Files.readAllLines(file).stream().map(JsonObject::new).toList();
      Set<String> kinds = events.stream().map(e -> e.getString("event")).collect(Collectors.toSet());
      assertThat(kinds).contains("auth_failed", "rate_limited", "malformed_request", "invalid_request");
      for (JsonObject e : events) {
        assertThat(e.getString("log")).isEqualTo("audit");
        assertThat(e.getString("time")).isNotBlank();
        if (!e.getString("event").equals("malformed_request")) {
          assertThat(e.getString("request_id")).isNotBlank();
        }
        assertThat(e.getString("client")).isEqualTo("127.0.0.1");
      }
      String text = Files.readString(file);
      assertThat(text).doesNotContain(secretToken).doesNotContain("supersecretvalue").doesNotContain("c2VjcmV0");
    }
  }
}
