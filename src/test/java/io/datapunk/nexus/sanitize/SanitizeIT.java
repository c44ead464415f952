package io.datapunk.nexus.sanitize;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Response sanitization and CORS on a real gateway in front of a service that leaks internals. */
class SanitizeIT {
  private static TestUpstream upstream;
  private static GatewayFixture gateway;

  @BeforeAll
  static void start() {
    upstream = TestUpstream.start().handler(r -> {
      r.response().putHeader("Server", "Apache/2.4.1 (Unix)").putHeader("X-Powered-By", "PHP/5.6")
          .putHeader("X-Internal-Trace", "node-7.internal").putHeader("Access-Control-Allow-Origin", "*");
      if (r.path().equals("/boom")) {
        r.response().setStatusCode(500).end("java.lang.NullPointerException at com.internal.Db(Db.java:42) host db-3.internal");
      } else if (r.path().equals("/unavailable")) {
        r.response().setStatusCode(503).end("maintenance on db-3.internal");
      } else {
        TestUpstream.echo(r);
      }
    });
    gateway = GatewayFixture.start("""
        security:
          response:
            remove_headers: [X-Internal-Trace]
            replace_5xx_body: true
        service_routes:
          app:
            prefix: /app
            service_url: ${UP}
            cors:
              allowed_origins: [https://app.datapunk.test]
              allowed_methods: [GET, POST]
              allowed_headers: [Content-Type, Authorization]
          any:
            prefix: /any
            service_url: ${UP}
            cors:
              allowed_origins: ["*"]
          plain:
            prefix: /plain
            service_url: ${UP}
        network_optimization:
          connection_pooling:
            min_size: 0
        """, Map.of("UP", upstream.url()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
  }

  @BeforeEach
  void reset() {
    upstream.requests.set(0);
  }

  private static HttpResponse<String> send(String method, String path, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gateway.uri(path)).method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return gateway.send(b.build());
  }

  @Test
  void internalHeadersAreRemovedAndSecurityHeadersAdded() {
    HttpResponse<String> r = send("GET", "/plain/x", Map.of());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Server")).isEmpty();
    assertThat(r.headers().firstValue("X-Powered-By")).isEmpty();
    assertThat(r.headers().firstValue("X-Internal-Trace")).isEmpty();
    assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(r.headers().firstValue("Strict-Transport-Security")).as("HSTS only over TLS").isEmpty();
    assertThat(r.headers().allValues("Access-Control-Allow-Origin")).as("no CORS policy: passed as the service sent it")
        .containsExactly("*");
  }

  @Test
  void upstream5xxBodiesAreReplacedByTheGatewayError() {
    HttpResponse<String> boom = send("GET", "/plain/boom", Map.of());
    assertThat(boom.statusCode()).isEqualTo(500);
    JsonObject error = new JsonObject(boom.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("internal");
    assertThat(boom.body()).doesNotContain("NullPointer", "internal.Db", "db-3");
    assertThat(boom.headers().firstValue("Server")).isEmpty();
    HttpResponse<String> unavailable = send("GET", "/plain/unavailable", Map.of());
    assertThat(unavailable.statusCode()).isEqualTo(503);
    assertThat(unavailable.body()).contains("\"code\": \"unavailable\"").doesNotContain("db-3");
    // The pooled connection survived the drained body.
    assertThat(send("GET", "/plain/ok", Map.of()).statusCode()).isEqualTo(200);
  }

  @Test
  void preflightFromAnAllowedOriginIsAnsweredByTheGateway() {
    HttpResponse<String> r = send("OPTIONS", "/app/items", Map.of("Origin", "https://app.datapunk.test",
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"));
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.datapunk.test");
    assertThat(r.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).hasValue("content-type");
    assertThat(r.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
    assertThat(upstream.requests.get()).isZero();
  }

  @Test
  void preflightsOutsideThePolicyAreRefused() {
    assertThat(send("OPTIONS", "/app/items", Map.of("Origin", "https://evil.test",
        "Access-Control-Request-Method", "GET")).statusCode()).isEqualTo(403);
    assertThat(send("OPTIONS", "/app/items", Map.of("Origin", "https://app.datapunk.test",
        "Access-Control-Request-Method", "DELETE")).statusCode()).isEqualTo(403);
    assertThat(send("OPTIONS", "/app/items", Map.of("Origin", "https://app.datapunk.test",
        "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-secret")).statusCode()).isEqualTo(403);
    assertThat(upstream.requests.get()).isZero();
  }

  @Test
  void actualRequestsGetCorsHeadersOnlyForAllowedOrigins() {
    HttpResponse<String> allowed = send("GET", "/app/x", Map.of("Origin", "https://app.datapunk.test"));
    assertThat(allowed.headers().allValues("Access-Control-Allow-Origin")).containsExactly("https://app.datapunk.test");
    assertThat(allowed.headers().firstValue("Access-Control-Expose-Headers")).hasValue("X-Request-Id");
    assertThat(allowed.headers().allValues("Vary")).anyMatch(v -> v.equalsIgnoreCase("origin"));
    HttpResponse<String> other = send("GET", "/app/x", Map.of("Origin", "https://evil.test"));
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).as("the service's own * is not passed on").isEmpty();
    HttpResponse<String> any = send("GET", "/any/x", Map.of("Origin", "https://whoever.test"));
    assertThat(any.headers().allValues("Access-Control-Allow-Origin")).containsExactly("*");
  }
}
