package io.datapunk.nexus.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.Http1;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin port: token check, read endpoints, 501 until a capability plugs in, the hook, the allow-list. */
class AdminApiIT {
  static final String TOKEN = "admin-api-test-token-0123456789";
  static TestUpstream lake;
  static GatewayFixture gw;

  @BeforeAll
  static void start() {
    lake = TestUpstream.start();
    gw = GatewayFixture.start("""
        admin:
          port: 0
          token: ${TOKEN}
        observability:
          access_log: {enabled: false}
          audit_log: {enabled: false}
          recent_errors: 3
        service_routes:
          lake:
            prefix: /storage
            service_url: http://user:pa55word@127.0.0.1:${LAKE_PORT}
        """, Map.of("LAKE_PORT", Integer.toString(lake.port()), "TOKEN", TOKEN));
  }

  @AfterAll
  static void stop() {
    gw.close();
    lake.close();
  }

  static HttpResponse<String> admin(String method, String path, String token, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.adminUri(path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return Http1.send(b.build());
  }

  static JsonObject error(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).isEqualTo(status);
    JsonObject e = new JsonObject(r.body()).getJsonObject("error");
    assertThat(e.getInteger("status")).isEqualTo(status);
    assertThat(e.getString("code")).isEqualTo(code);
    assertThat(e.getString("request_id")).isNotEmpty();
    return e;
  }

  @Test
  void healthIsOpenAndTheApiNeedsTheToken() {
    assertThat(admin("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
    assertThat(admin("GET", "/health/ready", null, null).statusCode()).isEqualTo(200);
    error(admin("GET", "/admin/summary", null, null), 401, "auth");
    error(admin("GET", "/admin/summary", TOKEN + "x", null), 401, "auth");
    error(admin("GET", "/admin/summary", TOKEN.substring(1), null), 401, "auth");
    HttpResponse<String> basic = Http1.send(HttpRequest.newBuilder(gw.adminUri("/admin/summary"))
        .header("Authorization", "Basic " + TOKEN).build());
    error(basic, 401, "auth");
    assertThat(basic.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"nexus-admin\"");
    assertThat(admin("GET", "/admin/summary", TOKEN, null).statusCode()).isEqualTo(200);
    HttpResponse<String> lower = Http1.send(HttpRequest.newBuilder(gw.adminUri("/admin/summary"))
        .header("Authorization", "bearer " + TOKEN).build());
    assertThat(lower.statusCode()).isEqualTo(200);
    // Admin endpoints are not reachable on the data port.
    assertThat(Http1.get(gw.uri("/admin/summary")).statusCode()).isEqualTo(404);
    assertThat(Http1.get(gw.uri("/metrics")).statusCode()).isEqualTo(404);
  }

  @Test
  void readEndpointsShowRoutesConfigServicesAndErrors() {
    JsonArray routes = new JsonObject(admin("GET", "/admin/routes", TOKEN, null).body()).getJsonArray("routes");
    assertThat(routes).hasSize(1);
    JsonObject lakeRoute = routes.getJsonObject(0);
    assertThat(lakeRoute.getString("name")).isEqualTo("lake");
    assertThat(lakeRoute.getString("prefix")).isEqualTo("/storage");
    assertThat(lakeRoute.getString("timeout")).isEqualTo("30s");
    assertThat(lakeRoute.getString("service_url")).doesNotContain("pa55word").contains("(redacted)@127.0.0.1");

    String config = admin("GET", "/admin/config", TOKEN, null).body();
    JsonObject c = new JsonObject(config);
    assertThat(c.getJsonObject("admin").getString("token")).isEqualTo("(redacted)");
    assertThat(c.getJsonObject("server")).isNotNull();
    assertThat(c.getJsonObject("observability").getInteger("recent_errors")).isEqualTo(3);
    assertThat(config).doesNotContain(TOKEN).doesNotContain("pa55word");

    // /admin/services is the resilience capability's detailed document, behind the token.
    error(admin("GET", "/admin/services", null, null), 401, "auth");
    JsonArray services = new JsonObject(admin("GET", "/admin/services", TOKEN, null).body()).getJsonArray("services");
    JsonObject lakeSvc = services.getJsonObject(0);
    assertThat(lakeSvc.getString("name")).isEqualTo("lake");
    assertThat(lakeSvc.getJsonObject("breaker").getString("state")).isEqualTo("closed");
    assertThat(lakeSvc.getJsonArray("instances").getJsonObject(0).getString("state")).isEqualTo("up");
    assertThat(lakeSvc.getJsonArray("instances").getJsonObject(0).getString("url")).doesNotContain("pa55word");
    JsonArray breakers = new JsonObject(admin("GET", "/admin/breakers", TOKEN, null).body()).getJsonArray("breakers");
    assertThat(breakers.getJsonObject(0).getString("service")).isEqualTo("lake");
    assertThat(breakers.getJsonObject(0).getString("state")).isEqualTo("closed");
    JsonObject summaryLake = new JsonObject(admin("GET", "/admin/summary", TOKEN, null).body())
        .getJsonArray("services").getJsonObject(0);
    assertThat(summaryLake.getBoolean("available")).isTrue();
    assertThat(summaryLake.getJsonArray("instances").getJsonObject(0).getString("address")).isEqualTo("127.0.0.1:" + lake.port());

    // Recent errors: a ring of observability.recent_errors (3) entries, newest first.
    for (int i = 0; i < 5; i++) {
      Http1.get(gw.uri("/missing-" + i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() ->
        new JsonObject(admin("GET", "/admin/errors", TOKEN, null).body()).getLong("total") >= 5);
    JsonObject errors = new JsonObject(admin("GET", "/admin/errors", TOKEN, null).body());
    assertThat(errors.getInteger("capacity")).isEqualTo(3);
    JsonArray list = errors.getJsonArray("errors");
    assertThat(list).hasSize(3);
    assertThat(list.getJsonObject(0).getString("path")).isEqualTo("/missing-4");
    assertThat(list.getJsonObject(2).getString("path")).isEqualTo("/missing-2");
    assertThat(list.getJsonObject(0).getString("code")).isEqualTo("not_found");
    assertThat(list.getJsonObject(0).getInteger("status")).isEqualTo(404);

    JsonObject summary = new JsonObject(admin("GET", "/admin/summary", TOKEN, null).body());
    assertThat(summary.getJsonArray("services").getJsonObject(0).getString("name")).isEqualTo("lake");
    assertThat(summary.getJsonObject("cache").getBoolean("configured")).isFalse();
    assertThat(summary.getJsonObject("cache").getValue("hit_ratio")).isNull();
    assertThat(summary.getJsonObject("history")).isNotNull();
  }

  @Test
  void capabilityEndpointsAnswer501UntilAHandlerIsRegistered() {
    error(admin("POST", "/admin/cache/purge", TOKEN, "{\"prefix\": \"/storage\"}"), 501, "not_implemented");
    // API keys (edge security) register their handler in every gateway.
    assertThat(admin("GET", "/admin/api-keys", TOKEN, null).statusCode()).isEqualTo(200);
    error(admin("POST", "/admin/api-keys/k1/rotate", TOKEN, null), 404, "not_found");
    JsonObject reload = error(admin("POST", "/admin/config/reload", TOKEN, null), 501, "not_implemented");
    assertThat(reload.getString("message")).isEqualTo("Config reload is provided by the hot reload capability, which is not part of this build.");
    error(admin("GET", "/admin/nothing", TOKEN, null), 404, "not_found");
    error(admin("DELETE", "/admin/routes", TOKEN, null), 404, "not_found");
  }

  @Test
  void aRegisteredHandlerAnswersItsEndpoints() {
    AdminHooks hooks = gw.gateway.observability().adminHooks();
    hooks.register(AdminHooks.Capability.BREAKERS, call -> {
      if (!call.target().equals("lake")) {
        call.fail(GatewayError.NOT_FOUND, "No such service.");
        return;
      }
      call.reply(200, new JsonObject().put("service", call.target()).put("operation", call.operation()));
    });
    hooks.register(AdminHooks.Capability.CACHE_PURGE, call ->
        call.reply(202, new JsonObject().put("purged", call.body().getString("prefix"))));
    HttpResponse<String> open = admin("POST", "/admin/breakers/lake/open", TOKEN, null);
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(open.body()).getString("operation")).isEqualTo("breaker.open");
    error(admin("POST", "/admin/breakers/nope/close", TOKEN, null), 404, "not_found");
    HttpResponse<String> purge = admin("POST", "/admin/cache/purge", TOKEN, "{\"prefix\": \"/storage/a\"}");
    assertThat(purge.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(purge.body()).getString("purged")).isEqualTo("/storage/a");
    error(admin("POST", "/admin/cache/purge", TOKEN, "not json"), 400, "validation");
    error(admin("POST", "/admin/cache/purge", TOKEN, "{\"tag\": \"" + "x".repeat(AdminApi.MAX_BODY) + "\"}"), 413, "too_large");
  }

  @Test
  void openApiDocumentListsEveryEndpoint() {
    HttpResponse<String> r = admin("GET", "/openapi.json", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject doc = new JsonObject(r.body());
    assertThat(doc.getString("openapi")).startsWith("3.");
    assertThat(doc.getJsonObject("paths").fieldNames()).contains("/health/live", "/health/ready", "/metrics", "/",
        "/admin/summary", "/admin/routes", "/admin/config", "/admin/config/reload", "/admin/services",
        "/admin/breakers", "/admin/breakers/{service}/open", "/admin/breakers/{service}/close", "/admin/cache/purge",
        "/admin/api-keys", "/admin/api-keys/{id}/rotate", "/admin/api-keys/{id}", "/admin/errors");
    assertThat(doc.getJsonObject("components").getJsonObject("securitySchemes").getJsonObject("bearer")
        .getString("scheme")).isEqualTo("bearer");
  }

  @Test
  void dashboardPageIsServedWithoutExternalAssets() {
    HttpResponse<String> page = admin("GET", "/", null, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(page.headers().firstValue("content-security-policy").orElse("")).contains("default-src 'none'")
        .contains("script-src 'self'").contains("connect-src 'self'");
    assertThat(page.body()).contains("/dashboard.js").doesNotContain("http://").doesNotContain("https://");
    String js = admin("GET", "/dashboard.js", null, null).body();
    assertThat(js).contains("/admin/summary").doesNotContain("http://").doesNotContain("https://");
    assertThat(admin("GET", "/dashboard.css", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void withoutATokenTheApiIsOffAndTheAllowListIsEnforced() {
    try (GatewayFixture off = GatewayFixture.start("""
        admin:
          port: 0
          allow: ["10.0.0.0/8", "::1/128"]
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
        observability:
          access_log: {enabled: false}
          audit_log: {enabled: false}
        """, Map.of("LAKE", lake.url()))) {
      // 127.0.0.1 is not in the list: only health answers.
      assertThat(Http1.get(off.adminUri("/health/ready")).statusCode()).isEqualTo(200);
      error(Http1.get(off.adminUri("/metrics")), 403, "forbidden");
      error(Http1.get(off.adminUri("/admin/summary")), 403, "forbidden");
      error(Http1.get(off.adminUri("/")), 403, "forbidden");
    }
    try (GatewayFixture noToken = GatewayFixture.start("""
        admin:
          port: 0
          allow: ["127.0.0.0/8"]
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
        observability:
          access_log: {enabled: false}
          audit_log: {enabled: false}
        """, Map.of("LAKE", lake.url()))) {
      assertThat(Http1.get(noToken.adminUri("/metrics")).statusCode()).isEqualTo(200);
      JsonObject e = error(Http1.get(noToken.adminUri("/admin/summary")), 403, "forbidden");
      assertThat(e.getString("message")).contains("admin.token");
    }
  }
}
