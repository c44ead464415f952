package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Consul discovery. Consul cannot run here (no package, no container engine), so the gateway talks to
 * {@link ConsulStandIn}: a real HTTP server that serves Consul's documented {@code /v1/health/service/<name>}
 * answers with {@code X-Consul-Index} and blocking-query semantics, and the agent's register and
 * deregister endpoints. The README shows the setup with a real Consul.
 */
class ConsulDiscoveryIT {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** A stand-in for Consul's HTTP API: the documented responses, blocking queries, ACL token check. */
  static final class ConsulStandIn implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final HttpServer server;
    final List<String> queries = new CopyOnWriteArrayList<>();
    final List<JsonObject> registered = new CopyOnWriteArrayList<>();
    final List<String> deregistered = new CopyOnWriteArrayList<>();
    private final String token;
    private final List<HttpServerRequest> waiting = new ArrayList<>();
    private long index = 10;
    private List<Integer> ports = List.of();

    ConsulStandIn(String token) {
      this.token = token;
      server = vertx.createHttpServer().requestHandler(this::handle);
      TestUpstream.await(server.listen(0, "127.0.0.1"));
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    /** Sets the passing instances of service "lake"; waiting blocking queries answer at once. */
    void instances(Integer... ports) {
      vertx.runOnContext(v -> {
        this.ports = List.of(ports);
        index++;
        List<HttpServerRequest> now = new ArrayList<>(waiting);
        waiting.clear();
        now.forEach(this::answer);
      });
    }

    private void handle(HttpServerRequest r) {
      if (!token.equals(r.getHeader("X-Consul-Token"))) {
        r.response().setStatusCode(403).end("ACL not found");
        return;
      }
      if (r.path().equals("/v1/health/service/lake")) {
        queries.add(r.query());
        long after = Long.parseLong(r.getParam("index", "0"));
        Duration wait = Duration.ofSeconds(Long.parseLong(r.getParam("wait", "300s").replace("s", "")));
        if (after < index) {
          answer(r);
        } else {
          // Blocking query: hold until the index moves past the client's or the wait ends.
          waiting.add(r);
          vertx.setTimer(wait.toMillis(), t -> {
            if (waiting.remove(r)) {
              answer(r);
            }
          });
        }
      } else if (r.path().equals("/v1/agent/service/register") && r.method().name().equals("PUT")) {
        r.body().onSuccess(b -> {
          registered.add(b.toJsonObject());
          r.response().end();
        });
      } else if (r.path().startsWith("/v1/agent/service/deregister/")) {
        deregistered.add(r.path().substring("/v1/agent/service/deregister/".length()));
        r.response().end();
      } else {
        r.response().setStatusCode(404).end();
      }
    }

    /** The documented shape of GET /v1/health/service/:service (one entry per instance). */
    private void answer(HttpServerRequest r) {
      JsonArray entries = new JsonArray();
      for (int port : ports) {
        entries.add(new JsonObject()
            .put("Node", new JsonObject().put("ID", "node-" + port).put("Node", "node-" + port)
                .put("Address", "127.0.0.1").put("Datacenter", "dc1"))
            .put("Service", new JsonObject().put("ID", "lake-" + port).put("Service", "lake")
                .put("Tags", new JsonArray()).put("Address", port % 2 == 0 ? "127.0.0.1" : "").put("Port", port)
                .put("Weights", new JsonObject().put("Passing", 1).put("Warning", 1)))
            .put("Checks", new JsonArray().add(new JsonObject().put("CheckID", "service:lake-" + port)
                .put("Status", "passing"))));
      }
      r.response().putHeader("Content-Type", "application/json").putHeader("X-Consul-Index", Long.toString(index))
          .putHeader("X-Consul-KnownLeader", "true").end(entries.encode());
    }

    @Override
    public void close() {
      TestUpstream.await(vertx.close());
    }
  }

  private TestUpstream upstream() {
    TestUpstream u = TestUpstream.start();
    closeables.add(u);
    return u;
  }

  @Test
  void theGatewayFollowsConsulAndKeepsTheLastKnownListWhenConsulGoesAway() {
    TestUpstream a = upstream();
    TestUpstream b = upstream();
    ConsulStandIn consul = new ConsulStandIn("s3cret");
    consul.instances(a.port());
    GatewayFixture g = GatewayFixture.start("""
        discovery:
          type: consul
          consul:
            address: ${CONSUL}
            token: s3cret
            wait: 2s
            error_backoff: 100ms
            max_error_backoff: 200ms
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
          lake:
            prefix: /storage
            retry_attempts: 2
        """, Map.of("CONSUL", consul.url()));
    closeables.add(g);

    await().atMost(Duration.ofSeconds(10)).until(() -> g.get("/storage/x").statusCode() == 200);
    assertThat(a.requests.get()).isPositive();
    assertThat(consul.queries.get(0)).contains("passing=true").contains("index=0");
    await().atMost(Duration.ofSeconds(10)).until(() -> consul.queries.stream().anyMatch(q -> q.contains("index=11")
        && q.contains("wait=2s")));

    // Up: b appears, without a restart.
    consul.instances(a.port(), b.port());
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      g.get("/storage/x");
      return b.requests.get() > 0;
    });
    // Down: a disappears; no request goes there any more.
    consul.instances(b.port());
    await().atMost(Duration.ofSeconds(10)).until(() -> g.gateway.services().get(0).instances().size() == 1);
    int aBefore = a.requests.get();
    for (int k = 0; k < 30; k++) {
      assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    }
    assertThat(a.requests.get()).isEqualTo(aBefore);

    // Consul goes away: the gateway keeps serving from the last known list.
    consul.close();
    int bBefore = b.requests.get();
    for (int k = 0; k < 30; k++) {
      assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    }
    await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
    for (int k = 0; k < 30; k++) {
      assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    }
    assertThat(b.requests.get()).isEqualTo(bBefore + 60);
    assertThat(g.gateway.services().get(0).instances()).extracting(ServiceState.InstanceState::url)
        .containsExactly(b.url());
  }

  @Test
  void aRequestInFlightToAnInstanceThatLeavesConsulCompletes() throws Exception {
    TestUpstream a = upstream().handler(r -> Vertx.currentContext().owner().setTimer(1_500, t -> r.response().end("late but whole")));
    TestUpstream b = upstream();
    ConsulStandIn consul = new ConsulStandIn("t");
    closeables.add(consul);
    consul.instances(a.port());
    GatewayFixture g = GatewayFixture.start("""
        discovery:
          type: consul
          consul: {address: "${CONSUL}", token: t, wait: 5s}
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
          lake: {prefix: /storage}
        """, Map.of("CONSUL", consul.url()));
    closeables.add(g);
    await().atMost(Duration.ofSeconds(10)).until(() -> g.gateway.services().get(0).instances().size() == 1);
    var inFlight = g.http.sendAsync(java.net.http.HttpRequest.newBuilder(g.uri("/storage/slow")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> a.requests.get() == 1);
    consul.instances(b.port());
    await().atMost(Duration.ofSeconds(10)).until(() -> g.gateway.services().get(0).instances().get(0).url()
        .equals(b.url()));
    var r = inFlight.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("late but whole");
    assertThat(g.get("/storage/x").statusCode()).isEqualTo(200);
    assertThat(b.requests.get()).isEqualTo(1);
  }

  @Test
  void noPassingInstanceMeans502AndAWrongTokenKeepsTheServiceUnknown() {
    ConsulStandIn consul = new ConsulStandIn("right");
    closeables.add(consul);
    consul.instances();
    GatewayFixture g = GatewayFixture.start("""
        discovery:
          type: consul
          consul: {address: "${CONSUL}", token: right, wait: 1s}
        service_routes:
          lake: {prefix: /storage}
        """, Map.of("CONSUL", consul.url()));
    closeables.add(g);
    await().atMost(Duration.ofSeconds(10)).until(() -> g.gateway.services().get(0).known());
    var r = g.get("/storage/x");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("no healthy instance");

    GatewayFixture wrong = GatewayFixture.start("""
        discovery:
          type: consul
          consul: {address: "${CONSUL}", token: wrong, wait: 1s, error_backoff: 100ms}
        service_routes:
          lake: {prefix: /storage}
        """, Map.of("CONSUL", consul.url()));
    closeables.add(wrong);
    await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(wrong.gateway.services().get(0).known()).isFalse();
    assertThat(wrong.get("/storage/x").statusCode()).isEqualTo(502);
  }

  @Test
  void theGatewayRegistersItselfWithAnHttpCheckAndDeregistersOnStop() {
    ConsulStandIn consul = new ConsulStandIn("t");
    closeables.add(consul);
    TestUpstream a = upstream();
    GatewayFixture g = GatewayFixture.start("""
        discovery:
          consul:
            address: ${CONSUL}
            token: t
            register: {enabled: true, name: nexus, address: 127.0.0.1, tags: [edge], check_interval: 5s}
        service_routes:
          lake: {prefix: /storage, service_url: "${LAKE}"}
        """, Map.of("CONSUL", consul.url(), "LAKE", a.url()));
    await().atMost(Duration.ofSeconds(10)).until(() -> !consul.registered.isEmpty());
    JsonObject reg = consul.registered.get(0);
    assertThat(reg.getString("Name")).isEqualTo("nexus");
    assertThat(reg.getInteger("Port")).isEqualTo(g.port());
    assertThat(reg.getJsonArray("Tags").getList()).containsExactly("edge");
    assertThat(reg.getJsonObject("Check").getString("HTTP"))
        .isEqualTo("http://127.0.0.1:" + g.gateway.adminPort() + "/health/ready");
    assertThat(reg.getJsonObject("Check").getString("Interval")).isEqualTo("5s");
    g.close();
    assertThat(consul.deregistered).containsExactly(reg.getString("ID"));
  }

  @Test
  void aDrainingGatewayLeavesConsulAtOnceNotWhenItHasClosed() throws Exception {
    ConsulStandIn consul = new ConsulStandIn("t");
    closeables.add(consul);
    TestUpstream a = upstream();
    GatewayFixture g = GatewayFixture.start("""
        server: {port: 0, event_loops: 1, drain_timeout: 20s}
        discovery:
          consul:
            address: ${CONSUL}
            token: t
            register: {enabled: true, name: nexus, address: 127.0.0.1}
        service_routes:
          lake: {prefix: /storage, service_url: "${LAKE}"}
        """, Map.of("CONSUL", consul.url(), "LAKE", a.url()));
    await().atMost(Duration.ofSeconds(10)).until(() -> !consul.registered.isEmpty());
    String id = consul.registered.get(0).getString("ID");
    try (java.net.Socket client = new java.net.Socket("127.0.0.1", g.port())) {
      // An open keep-alive client connection keeps the drain going.
      client.getOutputStream().write("GET /storage/x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      client.getInputStream().read();
      io.vertx.core.Future<Void> drained = g.gateway.drain();
      await().atMost(Duration.ofSeconds(10)).until(() -> consul.deregistered.contains(id));
      assertThat(drained.isComplete()).as("still draining").isFalse();
      client.close();
      drained.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(consul.deregistered).containsExactly(id);
  }
}
