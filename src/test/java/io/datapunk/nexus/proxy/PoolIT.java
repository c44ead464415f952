package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Upstream connection pooling observed at the upstream: warm-up, cap, wait queue, and stale keep-alive connections. */
class PoolIT {
  private static final String ROUTE = """
      service_routes:
        lake:
          prefix: /storage
          service_url: ${LAKE}
      network_optimization:
        connection_pooling:
      """;

  @Test
  void opensMinSizeConnectionsAtStart() {
    try (TestUpstream lake = TestUpstream.start();
         GatewayFixture nexus = GatewayFixture.start(ROUTE + "    min_size: 4\n    max_size: 10\n",
             Map.of("LAKE", lake.url()))) {
      await().atMost(Duration.ofSeconds(5)).until(() -> lake.connectionsOpened.get() == 4);
      assertThat(lake.connectionsOpen.get()).isEqualTo(4);
      assertThat(nexus.get("/storage/x").statusCode()).isEqualTo(200);
      assertThat(lake.connectionsOpened.get()).as("the request reused a warm connection").isEqualTo(4);
    }
  }

  @Test
  void neverOpensMoreThanMaxSize() {
    try (TestUpstream lake = TestUpstream.start();
         GatewayFixture nexus = GatewayFixture.start(ROUTE + "    min_size: 0\n    max_size: 3\n",
             Map.of("LAKE", lake.url()))) {
      lake.handler(r -> lake.vertx().setTimer(200, t -> r.response().end("slow")));
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        all.add(nexus.http.sendAsync(HttpRequest.newBuilder(nexus.uri("/storage/" + i)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : all) {
        assertThat(f.join().statusCode()).isEqualTo(200);
      }
      assertThat(lake.maxConnectionsOpen.get()).isEqualTo(3);
      assertThat(lake.requests.get()).isEqualTo(12);
    }
  }

  @Test
  void aFullWaitQueueFailsFastWith503() throws Exception {
    ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    try (TestUpstream lake = TestUpstream.start();
         GatewayFixture nexus = GatewayFixture.start(
             ROUTE + "    min_size: 0\n    max_size: 1\n    max_wait_queue: 1\n", Map.of("LAKE", lake.url()))) {
      lake.handler(held::add);
      CompletableFuture<HttpResponse<String>> first = nexus.http.sendAsync(
          HttpRequest.newBuilder(nexus.uri("/storage/a")).build(), HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 1);
      CompletableFuture<HttpResponse<String>> second = nexus.http.sendAsync(
          HttpRequest.newBuilder(nexus.uri("/storage/b")).build(), HttpResponse.BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> third = nexus.http.sendAsync(
          HttpRequest.newBuilder(nexus.uri("/storage/c")).build(), HttpResponse.BodyHandlers.ofString());
      // One of the two waits in the queue of size 1; the other is refused at once.
      HttpResponse<String> refused = (HttpResponse<String>) CompletableFuture.anyOf(second, third).get(5, TimeUnit.SECONDS);
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body()).contains("\"code\": \"unavailable\"");
      assertThat(first).isNotDone();
      held.poll().response().end("released");
      await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 1);
      held.poll().response().end("released");
      assertThat(first.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      HttpResponse<String> waited = (second.isDone() && second.join() == refused ? third : second).get(5, TimeUnit.SECONDS);
      assertThat(waited.statusCode()).isEqualTo(200);
      assertThat(lake.requests.get()).isEqualTo(2);
    }
  }

  @Test
  void closesIdleConnectionsBeforeTheUpstreamDoes() throws Exception {
    // The upstream drops connections idle for 2 s (like a short keep-alive timeout); the gateway's
    // pool closes its own after 1 s, so a request never lands on a connection being closed.
    HttpServerOptions opts = new HttpServerOptions().setIdleTimeout(2000).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    try (TestUpstream lake = TestUpstream.start(opts);
         GatewayFixture nexus = GatewayFixture.start(
             ROUTE + "    min_size: 2\n    idle_timeout: 1s\n", Map.of("LAKE", lake.url()))) {
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 3; i++) {
          assertThat(nexus.get("/storage/r" + round).statusCode()).isEqualTo(200);
        }
        Thread.sleep(1300 + round * 100);
      }
      assertThat(lake.connectionsOpened.get()).as("idle connections were replaced").isGreaterThan(2);
    }
  }

  @Test
  void aKeepAliveConnectionClosedUnderARequestIsNotA502() throws Exception {
    // A raw upstream that answers the first request of each connection and closes the connection when
    // a second one arrives on it: the race where an upstream's keep-alive timeout fires just as the
    // gateway reuses the connection.
    assertReusedConnectionsDroppedAreResent(false);
  }

  @Test
  void aKeepAliveConnectionResetUnderARequestIsNotA502() throws Exception {
    // The same race when the upstream's close comes as a TCP reset (it closed with the gateway's
    // request unread in its buffer): the gateway reads ECONNRESET, not an orderly close.
    assertReusedConnectionsDroppedAreResent(true);
  }

  private static void assertReusedConnectionsDroppedAreResent(boolean reset) throws Exception {
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger dropped = new AtomicInteger();
    try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            new Thread(() -> serveOnce(s, answered, dropped, reset)).start();
          } catch (IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      try (GatewayFixture nexus = GatewayFixture.start(ROUTE + "    min_size: 0\n",
          Map.of("LAKE", "http://127.0.0.1:" + server.getLocalPort()))) {
        for (int i = 0; i < 20; i++) {
          HttpResponse<String> r = nexus.get("/storage/" + i);
          assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
          assertThat(r.body()).isEqualTo("ok");
        }
        assertThat(answered.get()).isEqualTo(20);
        assertThat(dropped.get()).as("the upstream did drop reused connections").isGreaterThan(0);
      }
    }
  }

  private static void serveOnce(Socket s, AtomicInteger answered, AtomicInteger dropped, boolean reset) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      if (!readHead(in)) {
        return;
      }
      answered.incrementAndGet();
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      if (readHead(in)) {
        dropped.incrementAndGet();
        if (reset) {
          s.setSoLinger(true, 0);
        }
      }
    } catch (IOException ignored) {
      // the test's upstream; the gateway's view is what is asserted
    }
  }

  private static boolean readHead(InputStream in) throws IOException {
    int matched = 0;
    int c;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while ((c = in.read()) >= 0) {
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
      if (matched == 4) {
        return true;
      }
    }
    return false;
  }
}
