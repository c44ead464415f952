package io.datapunk.nexus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload of the config file on a real gateway: swap, pool reuse, rejection, watch, admin API. */
class ReloadIT {
  /** HTTP/1.1 only: the JDK client fails every stream of an HTTP/2 connection on GOAWAY, even those the server finishes. */
  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  static HttpResponse<String> get(GatewayFixture nexus, String path) {
    return send(HttpRequest.newBuilder(nexus.uri(path)).build());
  }

  static HttpResponse<String> send(HttpRequest request) {
    if (request.uri().getPath().startsWith("/admin/")) {
      request = HttpRequest.newBuilder(request, (name, value) -> true)
          .header("Authorization", "Bearer " + GatewayFixture.ADMIN_TOKEN).build();
    }
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @TempDir
  Path dir;

  /** A full config: routes by name to URL, with long idle timeouts so pooled connections stay open. */
  static String config(String extra, String... routes) {
    StringBuilder b = new StringBuilder("""
        server: {port: 0, event_loops: 2, drain_timeout: 5s}
        admin: {port: 0, token: fixture-admin-token-0123456789}
        reload: {watch: false}
        network_optimization:
          connection_pooling: {min_size: 2, max_size: 20, idle_timeout: 60s}
        """);
    b.append(extra);
    b.append("service_routes:\n");
    for (String r : routes) {
      String[] p = r.split(" ");
      b.append("  ").append(p[0]).append(": {prefix: ").append(p[1]).append(", service_url: \"").append(p[2])
          .append("\"}\n");
    }
    return b.toString();
  }

  GatewayFixture start(Path file, String yaml) throws Exception {
    Files.writeString(file, yaml);
    return GatewayFixture.start(yaml, Map.of());
  }

  static ReloadResult result(io.vertx.core.Future<ReloadResult> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void swapsRoutesAndKeepsThePoolsOfUnchangedServices() throws Exception {
    Path file = dir.resolve("nexus.yaml");
    try (TestUpstream a = TestUpstream.start(); TestUpstream b = TestUpstream.start(); TestUpstream c = TestUpstream.start();
         GatewayFixture nexus = start(file, config("", "lake /storage " + a.url(), "stream /stream " + b.url()))) {
      ConfigReloader reloader = nexus.gateway.enableReload(file);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.connectionsOpened.get() == 2 && b.connectionsOpened.get() == 2);
      for (int i = 0; i < 5; i++) {
        assertThat(get(nexus, "/storage/x").statusCode()).isEqualTo(200);
      }
      int lakeConnections = a.connectionsOpened.get();

      Files.writeString(file, config("", "lake /storage " + a.url(), "stream /stream " + c.url(),
          "forge /model " + a.url()));
      ReloadResult r = result(reloader.reload("test"));

      assertThat(r.outcome()).isEqualTo(ReloadResult.APPLIED);
      assertThat(r.generation()).isEqualTo(2);
      assertThat(r.routesAdded()).containsExactly("forge");
      assertThat(r.routesChanged()).containsExactly("stream");
      assertThat(r.routesRemoved()).isEmpty();
      assertThat(r.poolsKept()).isEqualTo(1);
      assertThat(r.poolsCreated()).isEqualTo(2);
      assertThat(r.poolsRetired()).isEqualTo(1);
      assertThat(r.restartRequired()).isEmpty();
      assertThat(nexus.gateway.config().routes()).hasSize(3);

      int bRequests = b.requests.get();
      HttpResponse<String> stream = get(nexus, "/stream/y");
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(c.requests.get()).as("stream now goes to its new URL").isPositive();
      assertThat(b.requests.get()).isEqualTo(bRequests);
      assertThat(get(nexus, "/model/z").statusCode()).isEqualTo(200);
      for (int i = 0; i < 5; i++) {
        assertThat(get(nexus, "/storage/x").statusCode()).isEqualTo(200);
      }
      // lake's pool was kept: its requests still use the connections opened at start; forge is a
      // different service at the same address, with its own new pool (min_size 2).
      assertThat(a.connectionsOpened.get()).isEqualTo(lakeConnections + 2);
      // stream's old pool is closed once the grace (drain_timeout 5s) has passed twice at most.
      await().atMost(Duration.ofSeconds(20)).until(() -> b.connectionsOpen.get() == 0);
    }
  }

  @Test
  void rejectsAnInvalidConfigAndKeepsTheRunningOne() throws Exception {
    Path file = dir.resolve("nexus.yaml");
    try (TestUpstream a = TestUpstream.start();
         GatewayFixture nexus = start(file, config("", "lake /storage " + a.url()))) {
      ConfigReloader reloader = nexus.gateway.enableReload(file);
      var before = nexus.gateway.config();
      Files.writeString(file, config("", "lake /storage " + a.url()).replace("service_url", "timeout: -1, service_url")
          + "surprise: 1\n");

      ReloadResult r = result(reloader.reload("test"));

      assertThat(r.outcome()).isEqualTo(ReloadResult.REJECTED);
      assertThat(r.generation()).isEqualTo(1);
      assertThat(r.errors()).anyMatch(e -> e.startsWith("service_routes.lake.timeout: -1 (expected:"))
          .anyMatch(e -> e.startsWith("surprise: unknown key"));
      assertThat(nexus.gateway.config()).isSameAs(before);
      assertThat(get(nexus, "/storage/x").statusCode()).isEqualTo(200);
      assertThat(reloader.last()).isEqualTo(r);

      // Through the admin API: 400 in the error format, with the reasons.
      HttpResponse<String> post = send(HttpRequest.newBuilder(nexus.adminUri("/admin/config/reload"))
          .POST(HttpRequest.BodyPublishers.noBody()).build());
      assertThat(post.statusCode()).isEqualTo(400);
      JsonObject body = new JsonObject(post.body());
      assertThat(body.getJsonObject("error").getString("code")).isEqualTo("validation");
      assertThat(body.getJsonObject("reload").getString("outcome")).isEqualTo("rejected");
      assertThat(body.getJsonObject("reload").getJsonArray("errors").encode()).contains("service_routes.lake.timeout");
      assertThat(body.getJsonObject("error").getString("request_id")).isNotEmpty();

      // A broken YAML file is rejected too.
      Files.writeString(file, "service_routes: [unclosed\n");
      assertThat(result(reloader.reload("test")).errors()).singleElement().asString().contains("not valid YAML");

      // Fixed: applied through the admin API.
      Files.writeString(file, config("", "lake /storage " + a.url(), "forge /model " + a.url()));
      HttpResponse<String> ok = send(HttpRequest.newBuilder(nexus.adminUri("/admin/config/reload"))
          .POST(HttpRequest.BodyPublishers.noBody()).build());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(ok.body()).getString("outcome")).isEqualTo("applied");
      assertThat(new JsonObject(ok.body()).getJsonObject("routes").getJsonArray("added").getString(0)).isEqualTo("forge");
      assertThat(get(nexus, "/model/x").statusCode()).isEqualTo(200);
      // The same file again changes nothing.
      assertThat(result(reloader.reload("test")).outcome()).isEqualTo(ReloadResult.UNCHANGED);
    }
  }

  @Test
  void aRequestInFlightFinishesOnTheRouteItMatchedWhenAReloadRemovesIt() throws Exception {
    Path file = dir.resolve("nexus.yaml");
    try (TestUpstream slow = TestUpstream.start(); TestUpstream a = TestUpstream.start();
         GatewayFixture nexus = start(file, config("", "lake /storage " + slow.url(), "forge /model " + a.url()))) {
      ConfigReloader reloader = nexus.gateway.enableReload(file);
      slow.handler(req -> slow.vertx().setTimer(1500, t -> req.response().end("late but whole")));
      CompletableFuture<HttpResponse<String>> inFlight = HTTP.sendAsync(
          HttpRequest.newBuilder(nexus.uri("/storage/slow")).build(), HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.requests.get() > 0);

      Files.writeString(file, config("", "forge /model " + a.url()));
      ReloadResult r = result(reloader.reload("test"));
      assertThat(r.routesRemoved()).containsExactly("lake");
      assertThat(r.poolsRetired()).isEqualTo(1);

      assertThat(get(nexus, "/storage/x").statusCode()).as("the route is gone for new requests").isEqualTo(404);
      HttpResponse<String> done = inFlight.get(10, TimeUnit.SECONDS);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).isEqualTo("late but whole");
    }
  }

  @Test
  void clientConnectionsStayOpenAcrossAReload() throws Exception {
    Path file = dir.resolve("nexus.yaml");
    try (TestUpstream a = TestUpstream.start(); TestUpstream b = TestUpstream.start();
         GatewayFixture nexus = start(file, config("", "lake /storage " + a.url()))) {
      ConfigReloader reloader = nexus.gateway.enableReload(file);
      try (Socket s = new Socket("127.0.0.1", nexus.port())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        assertThat(roundTrip(out, in, "/storage/one")).startsWith("HTTP/1.1 200");
        Files.writeString(file, config("", "lake /storage " + b.url()));
        assertThat(result(reloader.reload("test")).applied()).isTrue();
        int before = b.requests.get();
        assertThat(roundTrip(out, in, "/storage/two")).as("same client connection after the reload")
            .startsWith("HTTP/1.1 200");
        assertThat(b.requests.get()).isEqualTo(before + 1);
      }
    }
  }

  /** Sends a keep-alive GET and reads its response (Content-Length framed); returns the status line. */
  static String roundTrip(OutputStream out, BufferedReader in, String path) throws Exception {
    out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    String status = in.readLine();
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    for (int i = 0; i < length; i++) {
      in.read();
    }
    return status;
  }

  @Test
  void theWatchAppliesAChangedFileAndReportsABadOneOnce() throws Exception {
    Path file = dir.resolve("nexus.yaml");
    String watch = "reload: {watch: true, watch_interval: 100ms}\n";
    try (TestUpstream a = TestUpstream.start();
         GatewayFixture nexus = start(file, config("", "lake /storage " + a.url()).replace("reload: {watch: false}\n", watch))) {
      ConfigReloader reloader = nexus.gateway.enableReload(file);
      Files.writeString(file, config("", "lake /storage " + a.url(), "forge /model " + a.url())
          .replace("reload: {watch: false}\n", watch));
      await().atMost(Duration.ofSeconds(10)).until(() -> get(nexus, "/model/x").statusCode() == 200);
      assertThat(reloader.last().trigger()).isEqualTo("file");
      assertThat(reloader.last().generation()).isEqualTo(2);

      Files.writeString(file, "service_routes: {lake: {prefix: /storage}}\n" + watch);
      await().atMost(Duration.ofSeconds(10)).until(() -> reloader.last().rejected());
      assertThat(reloader.last().errors()).contains("service_routes.lake.service_url: missing (expected: a value)");
      ReloadResult reported = reloader.last();
      Thread.sleep(500); // several watch periods: the same bad file is not reported again
      assertThat(reloader.last()).isSameAs(reported);
      assertThat(get(nexus, "/model/x").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aKeptServiceKeepsWhatItKnowsAboutItsInstances() throws Exception {
    Path file = dir.resolve("nexus.yaml");
    String route = "service_routes:\n  lake:\n    prefix: /storage\n    timeout: %s\n"
        + "    instances: [{url: \"%s\"}, {url: \"%s\"}]\n"
        + "    health_check: {path: /health, interval: 200ms, timeout: 1s}\n";
    TestUpstream down = TestUpstream.start();
    String downUrl = down.url();
    down.close(); // an instance that refuses connections
    try (TestUpstream a = TestUpstream.start();
         GatewayFixture nexus = start(file, config("").replace("service_routes:\n", "")
             + route.formatted("30", a.url(), downUrl))) {
      ConfigReloader reloader = nexus.gateway.enableReload(file);
      await().atMost(Duration.ofSeconds(10)).until(() -> !nexus.gateway.services().get(0).instances().get(1).healthy());
      // Only the route's timeout changes: the same service, so the same instances, health and checks.
      Files.writeString(file, config("").replace("service_routes:\n", "") + route.formatted("20", a.url(), downUrl));
      ReloadResult r = result(reloader.reload("test"));
      assertThat(r.routesChanged()).containsExactly("lake");
      assertThat(r.poolsKept()).isEqualTo(1);
      assertThat(r.poolsCreated()).isZero();
      assertThat(nexus.gateway.services().get(0).instances().get(1).healthy())
          .as("the dead instance is still known to be down: no request is sent to find out again").isFalse();
      assertThat(nexus.gateway.config().routes().get(0).timeout()).isEqualTo(Duration.ofSeconds(20));
      for (int i = 0; i < 10; i++) {
        assertThat(get(nexus, "/storage/x").statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void listsSettingsThatOnlyARestartApplies() throws Exception {
    Path file = dir.resolve("nexus.yaml");
    try (TestUpstream a = TestUpstream.start();
         GatewayFixture nexus = start(file, config("", "lake /storage " + a.url()))) {
      ConfigReloader reloader = nexus.gateway.enableReload(file);
      Files.writeString(file, config("", "lake /storage " + a.url())
          .replace("drain_timeout: 5s", "drain_timeout: 7s, idle_timeout: 30s"));
      ReloadResult r = result(reloader.reload("test"));
      assertThat(r.applied()).isTrue();
      assertThat(r.restartRequired()).containsExactly("server.idle_timeout: PT1M -> PT30S");
      assertThat(nexus.gateway.config().server().drainTimeout()).isEqualTo(Duration.ofSeconds(7));
    }
  }
}
