package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Load balancing over real instances, and the loss and return of one under load. */
class LoadBalancingIT {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** An instance that counts the requests it serves apart from health checks. */
  private static final class Service {
    final AtomicInteger served = new AtomicInteger();
    TestUpstream server;

    Service(int port) {
      start(port);
    }

    void start(int port) {
      server = TestUpstream.start(port).handler(r -> {
        if (!r.path().equals("/health")) {
          served.incrementAndGet();
        }
        TestUpstream.echo(r);
      });
    }
  }

  private Service service() {
    Service s = new Service(0);
    closeables.add(() -> s.server.close());
    return s;
  }

  private GatewayFixture gateway(String extra, Service... services) {
    StringBuilder list = new StringBuilder();
    for (Service s : services) {
      list.append("      - ").append(s.server.url()).append('\n');
    }
    GatewayFixture g = GatewayFixture.start("""
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
          lake:
            prefix: /storage
            instances:
        """ + list + extra.indent(4), Map.of());
    closeables.add(g);
    return g;
  }

  private static ServiceState.InstanceState instance(GatewayFixture g, Service s) {
    return g.gateway.services().get(0).instances().stream()
        .filter(i -> i.url().equals(s.server.url())).findFirst().orElseThrow();
  }

  @Test
  void anInstanceKilledUnderLoadCostsNoRequestAndComesBackWhenRestarted() throws Exception {
    Service a = service();
    Service b = service();
    Service c = service();
    int cPort = c.server.port();
    GatewayFixture g = gateway("""
        retry_attempts: 2
        health_check: {path: /health, interval: 200ms, timeout: 2s, healthy_threshold: 2, unhealthy_threshold: 1}
        """, a, b, c);
    int total = 3000;
    AtomicInteger sent = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      loops.add(clients.submit(() -> {
        while (sent.getAndIncrement() < total) {
          try {
            HttpResponse<String> r = g.get("/storage/items?n=" + sent.get());
            if (r.statusCode() != 200) {
              failures.add(r.statusCode() + " " + r.body());
            }
          } catch (RuntimeException e) {
            failures.add(e.toString());
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> sent.get() >= 500);
    assertThat(c.served.get()).as("c took its share before").isPositive();
    c.server.close();

    await().atMost(Duration.ofSeconds(30)).until(() -> !instance(g, c).available());
    long attemptsWhenOut = instance(g, c).requests();
    int sentWhenOut = sent.get();
    await().atMost(Duration.ofSeconds(60)).until(() -> sent.get() >= sentWhenOut + 500);
    assertThat(instance(g, c).requests()).as("no request was sent to the dead instance after it was taken out")
        .isEqualTo(attemptsWhenOut);
    assertThat(sent.get()).as("the loop is still running").isLessThan(total);

    c.served.set(0);
    c.start(cPort);
    await().atMost(Duration.ofSeconds(30)).until(() -> c.served.get() > 0);
    for (Future<?> f : loops) {
      f.get();
    }
    clients.shutdown();
    assertThat(failures).as("failed GETs").isEmpty();
    assertThat(c.served.get()).as("the restarted instance serves again").isPositive();
    assertThat(a.served.get() + b.served.get() + c.served.get()).isGreaterThanOrEqualTo(total - 500);
    ServiceState state = g.gateway.services().get(0);
    System.out.printf("kill test: %d GETs, 0 failed, %d retries, %d refused by the budget, dead instance: %d attempts "
        + "(%d failed) before it was taken out%n", total, state.retries(), state.retriesRefused(), attemptsWhenOut,
        instance(g, c).failures());
  }

  @Test
  void roundRobinAndWeightedShareRequestsAsConfigured() {
    Service a = service();
    Service b = service();
    Service c = service();
    GatewayFixture rr = gateway("load_balancing: round_robin\n", a, b, c);
    for (int k = 0; k < 300; k++) {
      assertThat(rr.get("/storage/x").statusCode()).isEqualTo(200);
    }
    assertThat(List.of(a.served.get(), b.served.get(), c.served.get())).containsExactly(100, 100, 100);

    Service d = service();
    Service e = service();
    GatewayFixture weighted = GatewayFixture.start("""
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
          lake:
            prefix: /storage
            load_balancing: weighted
            instances:
              - {url: "%s", weight: 1}
              - {url: "%s", weight: 3}
        """.formatted(d.server.url(), e.server.url()), Map.of());
    closeables.add(weighted);
    for (int k = 0; k < 400; k++) {
      assertThat(weighted.get("/storage/x").statusCode()).isEqualTo(200);
    }
    assertThat(List.of(d.served.get(), e.served.get())).containsExactly(100, 300);
  }

  @Test
  void leastRequestsAvoidsTheBusyInstance() throws Exception {
    Service fast = service();
    AtomicInteger slowServed = new AtomicInteger();
    TestUpstream slow = TestUpstream.start().handler(r -> {
      slowServed.incrementAndGet();
      r.response().setStatusCode(200);
      slowTimer(r);
    });
    closeables.add(slow);
    GatewayFixture g = GatewayFixture.start("""
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
          lake:
            prefix: /storage
            instances: [%s, %s]
        """.formatted(fast.server.url(), slow.url()), Map.of());
    closeables.add(g);
    ExecutorService clients = Executors.newFixedThreadPool(4);
    List<Future<?>> loops = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      loops.add(clients.submit(() -> {
        for (int k = 0; k < 50; k++) {
          assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
        }
      }));
    }
    for (Future<?> f : loops) {
      f.get();
    }
    clients.shutdown();
    assertThat(fast.served.get()).as("most requests go where fewer are in flight").isGreaterThan(slowServed.get() * 3);
  }

  private static void slowTimer(io.vertx.core.http.HttpServerRequest r) {
    io.vertx.core.Vertx.currentContext().owner().setTimer(50, t -> r.response().end(new JsonObject().encode()));
  }

  @Test
  void anActiveCheckTakesAnInstanceOutAndBringsItBack() {
    Service a = service();
    AtomicInteger bServed = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean bHealthy = new java.util.concurrent.atomic.AtomicBoolean(true);
    TestUpstream b = TestUpstream.start().handler(r -> {
      if (r.path().equals("/ready")) {
        r.response().setStatusCode(bHealthy.get() ? 200 : 503).end();
      } else {
        bServed.incrementAndGet();
        TestUpstream.echo(r);
      }
    });
    closeables.add(b);
    GatewayFixture g = GatewayFixture.start("""
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
          lake:
            prefix: /storage
            instances: [%s, %s]
            load_balancing: round_robin
            health_check: {path: /ready, interval: 100ms, timeout: 3s}
        """.formatted(a.server.url(), b.url()), Map.of());
    closeables.add(g);
    bHealthy.set(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> !g.gateway.services().get(0).instances().get(1).healthy());
    int before = bServed.get();
    for (int k = 0; k < 20; k++) {
      assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    }
    assertThat(bServed.get()).isEqualTo(before);
    JsonObject admin = new JsonObject(g.send(java.net.http.HttpRequest.newBuilder(g.adminUri("/admin/services"))
        .build()).body());
    JsonObject lake = admin.getJsonArray("services").getJsonObject(0);
    assertThat(lake.getString("name")).isEqualTo("lake");
    assertThat(lake.getJsonArray("instances").getJsonObject(1).getString("state")).isEqualTo("down");
    assertThat(lake.getJsonArray("instances").getJsonObject(0).getString("state")).isEqualTo("up");
    assertThat(lake.getJsonObject("breaker").getString("state")).isEqualTo("closed");

    bHealthy.set(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> g.gateway.services().get(0).instances().get(1).healthy());
    for (int k = 0; k < 20; k++) {
      assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    }
    assertThat(bServed.get()).isEqualTo(before + 10);
  }
}
