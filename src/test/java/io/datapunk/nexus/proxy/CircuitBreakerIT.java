package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.MutableClock;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The route's circuit breaker against a real service, with the breaker's clock injected so the open
 * wait passes without sleeping.
 */
class CircuitBreakerIT {
  private final MutableClock clock = new MutableClock();
  private final AtomicBoolean failing = new AtomicBoolean(true);
  private final TestUpstream lake = TestUpstream.start().handler(r -> {
    if (failing.get()) {
      r.response().setStatusCode(503).end("down");
    } else {
      TestUpstream.echo(r);
    }
  });
  private GatewayFixture gateway;

  @AfterEach
  void close() {
    if (gateway != null) {
      gateway.close();
    }
    lake.close();
  }

  private GatewayFixture start(int retries) {
    gateway = GatewayFixture.start("""
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
            retry_attempts: %d
            retry: {backoff: 0ms, max_backoff: 0ms}
            circuit_breaker:
              failure_rate_threshold: 50
              window_size: 4
              minimum_calls: 4
              wait_in_open: 30s
              half_open_calls: 2
        """.formatted(retries), Map.of("LAKE", lake.url()), clock);
    return gateway;
  }

  private ServiceState.Breaker breaker() {
    return gateway.gateway.services().get(0).breaker();
  }

  private String adminBreakerState() {
    HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(gateway.adminUri("/admin/services")).build());
    return new JsonObject(r.body()).getJsonArray("services").getJsonObject(0).getJsonObject("breaker")
        .getString("state");
  }

  @Test
  void opensAnswers503FastWithoutCallingHalfOpensAfterTheWaitAndClosesOnSuccess() {
    GatewayFixture g = start(0);
    for (int k = 0; k < 4; k++) {
      assertThat(g.get("/storage/x").statusCode()).as("the service's own 503 passes through").isEqualTo(503);
    }
    assertThat(breaker().state()).isEqualTo("open");
    assertThat(adminBreakerState()).isEqualTo("open");
    int calls = lake.requests.get();

    long start = System.nanoTime();
    HttpResponse<String> open = g.get("/storage/x");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(open.statusCode()).isEqualTo(503);
    assertThat(open.body()).contains("\"code\": \"unavailable\"").doesNotContain("127.0.0.1");
    assertThat(open.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(lake.requests.get()).as("no call while open").isEqualTo(calls);
    assertThat(millis).isLessThan(1_000);

    clock.advance(Duration.ofSeconds(20));
    assertThat(g.get("/storage/x").headers().firstValue("Retry-After")).hasValue("10");
    assertThat(breaker().notPermittedCalls()).isEqualTo(2);

    failing.set(false);
    clock.advance(Duration.ofMillis(10_001));
    assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    assertThat(breaker().state()).isEqualTo("half_open");
    assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    assertThat(breaker().state()).isEqualTo("closed");
    assertThat(adminBreakerState()).isEqualTo("closed");
    assertThat(lake.requests.get()).isEqualTo(calls + 2);
  }

  @Test
  void aFailedProbeOpensItAgain() {
    GatewayFixture g = start(0);
    for (int k = 0; k < 4; k++) {
      g.get("/storage/x");
    }
    clock.advance(Duration.ofMillis(30_001));
    assertThat(g.get("/storage/x").statusCode()).isEqualTo(503);
    assertThat(g.get("/storage/x").statusCode()).isEqualTo(503);
    assertThat(breaker().state()).isEqualTo("open");
    assertThat(g.get("/storage/x").body()).contains("\"code\": \"unavailable\"");
  }

  @Test
  void aRequestIsCountedOnceAfterItsRetries() {
    GatewayFixture g = start(2);
    for (int k = 0; k < 3; k++) {
      assertThat(g.get("/storage/x").statusCode()).isEqualTo(503);
    }
    assertThat(lake.requests.get()).as("3 requests × 3 attempts").isEqualTo(9);
    assertThat(breaker().bufferedCalls()).as("one call per request, not per attempt").isEqualTo(3);
    assertThat(breaker().state()).isEqualTo("closed");
    g.get("/storage/x");
    assertThat(breaker().state()).isEqualTo("open");
  }

  @Test
  void anOperatorOpensAndClosesTheBreakerThroughTheAdminApi() {
    failing.set(false);
    GatewayFixture g = start(0);
    assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);

    HttpResponse<String> opened = g.send(HttpRequest.newBuilder(g.adminUri("/admin/breakers/lake/open"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(opened.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(opened.body()).getString("state")).isEqualTo("forced_open");
    int calls = lake.requests.get();
    HttpResponse<String> refused = g.get("/storage/x");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("\"code\": \"unavailable\"");
    assertThat(refused.headers().firstValue("retry-after")).isPresent();
    clock.advance(Duration.ofMinutes(5));
    assertThat(g.get("/storage/x").statusCode()).as("a forced-open breaker stays open").isEqualTo(503);
    assertThat(lake.requests.get()).isEqualTo(calls);

    HttpResponse<String> closed = g.send(HttpRequest.newBuilder(g.adminUri("/admin/breakers/lake/close"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(closed.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(closed.body()).getString("state")).isEqualTo("closed");
    assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);

    HttpResponse<String> unknown = g.send(HttpRequest.newBuilder(g.adminUri("/admin/breakers/nope/open"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("\"code\": \"not_found\"");
  }
}
