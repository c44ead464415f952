package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.config.PoolConfig;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own upstream client on its own: an instance's record goes when its last connection
 * closes (instances that come and go through discovery leave nothing behind), and the next request to
 * it starts a new one, whatever the event loop.
 */
class H1ClientIT {
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  private final List<TestUpstream> upstreams = new ArrayList<>();

  @AfterEach
  void stop() {
    upstreams.forEach(TestUpstream::close);
    TestUpstream.await(vertx.close());
  }

  /** A GET of /x through the client: the response's status once its body is read. */
  private static Future<Integer> call(H1Client client, int port) {
    return client.request(HttpMethod.GET, "127.0.0.1", port, "/x")
        .compose(stream -> {
          stream.end();
          return stream.response();
        })
        .compose(r -> r.discard().map(v -> r.statusCode()));
  }

  private static int get(H1Client client, int port) {
    return TestUpstream.await(call(client, port));
  }

  @Test
  void anInstanceIsForgottenWhenItsLastConnectionClosesAndServedAgainAfter() {
    H1Client client = new H1Client(vertx, new PoolConfig(true, 0, 4, 10, Duration.ofSeconds(1), Duration.ofSeconds(2)));
    for (int i = 0; i < 3; i++) {
      upstreams.add(TestUpstream.start());
    }
    for (TestUpstream u : upstreams) {
      for (int i = 0; i < 5; i++) {
        assertThat(get(client, u.port())).isEqualTo(200);
      }
    }
    assertThat(client.endpointCount()).isEqualTo(3);

    // Idle for the pool's 1 s: every connection closes, and with the last one the instance's record.
    await().atMost(Duration.ofSeconds(5)).until(() -> client.endpointCount() == 0);
    assertThat(upstreams).allSatisfy(u -> assertThat(u.connectionsOpen.get()).isZero());

    TestUpstream first = upstreams.get(0);
    int opened = first.connectionsOpened.get();
    for (int i = 0; i < 5; i++) {
      assertThat(get(client, first.port())).isEqualTo(200);
    }
    assertThat(client.endpointCount()).isEqualTo(1);
    assertThat(first.connectionsOpened.get()).as("a new connection for the new record").isGreaterThan(opened);
    TestUpstream.await(client.close());
  }

  @Test
  void requestsWaitingWhileTheLastConnectionClosesAreAllServed() {
    // One connection at most, and the service closes it after every answer: the instance's count
    // keeps falling to zero while requests from both event loops wait, so its record is retired and
    // re-created over and over under them. Every request must still get its answer.
    H1Client client = new H1Client(vertx, new PoolConfig(true, 0, 1, 1000, Duration.ofSeconds(1), Duration.ofSeconds(2)));
    // Each answer takes 2 ms; the upstream counts the requests it holds at once. (Its count of open
    // connections can read 2: the gateway frees a slot when it sees the close, a moment before the
    // server's own close handler runs.)
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger maxHolding = new AtomicInteger();
    TestUpstream u = TestUpstream.start();
    u.handler(r -> {
      maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
      u.vertx().setTimer(2, t -> {
        holding.decrementAndGet();
        r.response().putHeader("connection", "close").end("ok");
      });
    });
    upstreams.add(u);
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      all.add(call(client, u.port()));
    }
    TestUpstream.await(Future.all(all));
    assertThat(all).allSatisfy(f -> assertThat(f.result()).isEqualTo(200));
    assertThat(maxHolding.get()).as("max_size 1: one request at the service at a time").isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> client.endpointCount() == 0);
    TestUpstream.await(client.close());
  }

  @Test
  void aRefusedConnectionLeavesNoRecordAndTheNextRequestTriesAgain() throws Exception {
    H1Client client = new H1Client(vertx, new PoolConfig(true, 0, 4, 10, Duration.ofSeconds(1), Duration.ofSeconds(2)));
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    for (int i = 0; i < 3; i++) {
      Future<?> f = client.request(HttpMethod.GET, "127.0.0.1", closed, "/x");
      assertThat(f.toCompletionStage().toCompletableFuture().handle((v, e) -> e).get()).isNotNull();
      assertThat(client.endpointCount()).isZero();
    }
    TestUpstream.await(client.close());
  }
}
