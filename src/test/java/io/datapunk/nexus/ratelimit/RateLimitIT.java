package io.datapunk.nexus.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Local rate limits on a real gateway: per client, per service, headers, and X-Forwarded-For handling. */
class RateLimitIT {
  private static TestUpstream upstream;
  private static GatewayFixture gateway;
  private static GatewayFixture behindProxy;

  @BeforeAll
  static void start() {
    upstream = TestUpstream.start();
    String routes = """
        service_routes:
          client:
            prefix: /client
            service_url: ${UP}
            rate_limit:
              client: {rate: 1, per: 1m, burst: 5}
          spoof:
            prefix: /spoof
            service_url: ${UP}
            rate_limit:
              client: {rate: 1, per: 1m, burst: 5}
          service:
            prefix: /service
            service_url: ${UP}
            rate_limit:
              service: {rate: 1, per: 1m, burst: 3}
          both:
            prefix: /both
            service_url: ${UP}
            rate_limit:
              client: {rate: 1, per: 1m, burst: 100}
              service: {rate: 1, per: 1m, burst: 2}
        network_optimization:
          connection_pooling:
            min_size: 0
        """;
    gateway = GatewayFixture.start(routes, Map.of("UP", upstream.url()));
    behindProxy = GatewayFixture.start("security:\n  trusted_proxies: [127.0.0.1]\n" + routes,
        Map.of("UP", upstream.url()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    behindProxy.close();
    upstream.close();
  }

  private static HttpResponse<String> get(GatewayFixture g, String path, String xff) {
    HttpRequest.Builder b = HttpRequest.newBuilder(g.uri(path));
    if (xff != null) {
      b.header("X-Forwarded-For", xff);
    }
    return g.send(b.GET().build());
  }

  @Test
  void clientLimitIsExactAndAnswers429WithHeaders() {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> ok = get(gateway, "/client/x", null);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("RateLimit-Limit")).hasValue("5");
      assertThat(ok.headers().firstValue("RateLimit-Remaining")).hasValue(Integer.toString(4 - i));
    }
    HttpResponse<String> refused = get(gateway, "/client/x", null);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("rate_limit");
    assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
    assertThat(refused.headers().firstValue("RateLimit-Limit")).hasValue("5");
    assertThat(refused.headers().firstValue("RateLimit-Remaining")).hasValue("0");
    assertThat(refused.headers().firstValue("RateLimit-Reset")).isPresent();
  }

  @Test
  void spoofedForwardedForDoesNotEscapeTheLimit() {
    int admitted = 0;
    for (int i = 0; i < 20; i++) {
      if (get(gateway, "/spoof/x", "203.0.113." + i + ", " + UUID.randomUUID()).statusCode() == 200) {
        admitted++;
      }
    }
    // The peer (127.0.0.1) is not a trusted proxy: every request counts against the socket address.
    assertThat(admitted).isEqualTo(5);
  }

  @Test
  void behindATrustedProxyTheRightmostUntrustedAddressIsTheClient() {
    int a = 0;
    for (int i = 0; i < 8; i++) {
      // The client forged an entry on the left; the proxy appended the real address on the right.
      if (get(behindProxy, "/client/p", "198.51.100." + i + ", 192.0.2.10").statusCode() == 200) {
        a++;
      }
    }
    assertThat(a).isEqualTo(5);
    assertThat(get(behindProxy, "/client/p", "192.0.2.11").statusCode()).as("another client has its own bucket").isEqualTo(200);
  }

  @Test
  void serviceLimitCountsAllClientsTogether() {
    int admitted = 0;
    for (int i = 0; i < 6; i++) {
      if (get(behindProxy, "/service/x", "192.0.2." + (20 + i)).statusCode() == 200) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo(3);
    HttpResponse<String> refused = get(behindProxy, "/service/x", "192.0.2.99");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).contains("this service");
  }

  @Test
  void aClientRefusedByItsOwnLimitDoesNotSpendTheServiceBudget() {
    assertThat(get(gateway, "/both/x", null).statusCode()).isEqualTo(200);
    assertThat(get(gateway, "/both/x", null).statusCode()).isEqualTo(200);
    assertThat(get(gateway, "/both/x", null).statusCode()).isEqualTo(429);
  }
}
