package io.datapunk.nexus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.RawHttp;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Graceful stop of a real gateway: readiness, requests in flight, keep-alive connections (served once
 * more with {@code Connection: close}, never closed under a request), new connections, the timeout.
 */
class DrainIT {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static String config(String drainTimeout) {
    return """
        server: {port: 0, event_loops: 2, drain_timeout: %s}
        admin: {port: 0}
        service_routes:
          lake: {prefix: /storage, service_url: "${LAKE}"}
        network_optimization:
          connection_pooling: {min_size: 0}
        """.formatted(drainTimeout);
  }

  /** A keep-alive HTTP/1.1 client connection read response by response. */
  static final class Conn implements AutoCloseable {
    final Socket socket;
    final InputStream in;

    Conn(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(15_000);
      in = socket.getInputStream();
    }

    void send(String path) throws IOException {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
    }

    /** One response (head and Content-Length body) as text. */
    String read() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("closed after: " + head);
        }
        head.write(c);
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      int length = 0;
      for (String line : h.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      return h + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    boolean closedByPeer() throws IOException {
      return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  static void finish(Future<Void> f) throws Exception {
    f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void readinessTurns503AtOnceNewConnectionsAreRefusedAndRequestsInFlightFinish() throws Exception {
    try (TestUpstream lake = TestUpstream.start()) {
      GatewayFixture nexus = GatewayFixture.start(config("10s"), Map.of("LAKE", lake.url()));
      lake.handler(req -> lake.vertx().setTimer("/slow".equals(req.path()) ? 1500 : 1,
          t -> req.response().end("whole answer")));
      assertThat(ready(nexus)).isEqualTo(200);
      try (Conn conn = new Conn(nexus.port())) {
        conn.send("/storage/slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> lake.requests.get() == 1);
        long start = System.nanoTime();

        Future<Void> drained = nexus.gateway.drain();

        assertThat(ready(nexus)).as("readiness during the drain").isEqualTo(503);
        assertThat(nexus.gateway.ready()).isFalse();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThatThrownBy(() -> new Socket("127.0.0.1", nexus.port()).close()).as("no new connections")
                .isInstanceOf(ConnectException.class));
        String first = conn.read();
        assertThat(first).startsWith("HTTP/1.1 200").endsWith("whole answer");
        // The connection stays open after the response that was in flight: the next request on it
        // is served, says Connection: close, and the gateway closes the connection after it.
        conn.send("/storage/next");
        String second = conn.read();
        assertThat(second).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        assertThat(conn.closedByPeer()).isTrue();
        finish(drained);
        assertThat(millisSince(start)).as("done when the last connection closed, before the timeout")
            .isLessThan(8_000);
      }
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsServedOnceMoreThenClosed() throws Exception {
    try (TestUpstream lake = TestUpstream.start()) {
      GatewayFixture nexus = GatewayFixture.start(config("10s"), Map.of("LAKE", lake.url()));
      try (Conn conn = new Conn(nexus.port())) {
        conn.send("/storage/a");
        assertThat(conn.read()).startsWith("HTTP/1.1 200");
        Future<Void> drained = nexus.gateway.drain();
        Thread.sleep(300); // the connection sits idle while the drain runs: it is not closed under us
        conn.send("/storage/b");
        assertThat(conn.read()).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        assertThat(conn.closedByPeer()).isTrue();
        finish(drained);
      }
    }
  }

  @Test
  void aClientClosingItsIdleConnectionEndsTheDrain() throws Exception {
    try (TestUpstream lake = TestUpstream.start()) {
      GatewayFixture nexus = GatewayFixture.start(config("20s"), Map.of("LAKE", lake.url()));
      Conn conn = new Conn(nexus.port());
      conn.send("/storage/a");
      assertThat(conn.read()).startsWith("HTTP/1.1 200");
      long start = System.nanoTime();
      Future<Void> drained = nexus.gateway.drain();
      Thread.sleep(200);
      assertThat(drained.isComplete()).as("waits for the open connection").isFalse();
      conn.close();
      finish(drained);
      assertThat(millisSince(start)).isLessThan(10_000);
    }
  }

  @Test
  void theDrainTimeoutClosesWhatIsStillOpen() throws Exception {
    try (TestUpstream lake = TestUpstream.start()) {
      GatewayFixture nexus = GatewayFixture.start(config("500ms"), Map.of("LAKE", lake.url()));
      lake.handler(req -> lake.vertx().setTimer(20_000, t -> req.response().end("too late")));
      try (Conn conn = new Conn(nexus.port())) {
        conn.send("/storage/slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> lake.requests.get() == 1);
        long start = System.nanoTime();
        finish(nexus.gateway.drain());
        assertThat(millisSince(start)).isBetween(400L, 8_000L);
        assertThat(conn.closedByPeer()).isTrue();
      }
    }
  }

  @Test
  void aGatewayWithoutOpenConnectionsDrainsAtOnce() throws Exception {
    try (TestUpstream lake = TestUpstream.start()) {
      GatewayFixture nexus = GatewayFixture.start(config("30s"), Map.of("LAKE", lake.url()));
      assertThat(RawHttp.exchange(nexus.port(), "GET /storage/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 200");
      long start = System.nanoTime();
      finish(nexus.gateway.drain());
      assertThat(millisSince(start)).isLessThan(5_000);
    }
  }

  @Test
  void http2ConnectionsAreToldGoawayAndClose() throws Exception {
    try (TestUpstream lake = TestUpstream.start()) {
      // h2c is off by default on the clear-text port (edge security); this listener turns it on.
      GatewayFixture nexus = GatewayFixture.start(config("20s").replace("drain_timeout: 20s}",
          "drain_timeout: 20s, http2: {cleartext: true}}"), Map.of("LAKE", lake.url()));
      // The JDK client upgrades to HTTP/2 over cleartext (h2c) and keeps the connection.
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(nexus.uri("/storage/x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      HTTP.send(HttpRequest.newBuilder(nexus.uri("/storage/y")).build(), HttpResponse.BodyHandlers.ofString());
      long start = System.nanoTime();
      finish(nexus.gateway.drain());
      assertThat(millisSince(start)).as("the client closes on GOAWAY; no wait for the timeout").isLessThan(10_000);
    }
  }

  static int ready(GatewayFixture nexus) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(nexus.adminUri("/health/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
