package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server-sent events and long streams through the gateway: flushed event by event, never compressed,
 * not cut by the route timeout, cut by the route's idle_timeout.
 */
class StreamingIT {
  static final int EVENTS = 40;
  static final long PERIOD_MS = 100;
  static TestUpstream upstream;
  static GatewayFixture gateway;
  static Vertx clientVertx;
  static HttpClientAgent client;
  static final Map<Integer, Long> sentNanos = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    upstream = TestUpstream.start().handler(StreamingIT::serve);
    // timeout 1s: the 4 s stream must outlive it. idle_timeout 600ms on /quiet: cut a stalled stream.
    gateway = GatewayFixture.start("""
        service_routes:
          stream:
            prefix: /stream
            service_url: ${URL}
            timeout: 1s
            idle_timeout: 600ms
        network_optimization:
          connection_pooling:
            min_size: 0
        """, Map.of("URL", upstream.url()));
    clientVertx = Vertx.vertx();
    client = clientVertx.createHttpClient();
  }

  @AfterAll
  static void stop() throws Exception {
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    gateway.close();
    upstream.close();
  }

  /** /events?every=MS&count=N: one event per period; /quiet: one event, then silence. */
  static void serve(HttpServerRequest r) {
    HttpServerResponse resp = r.response().setChunked(true)
        .putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
    long every = r.getParam("every") == null ? PERIOD_MS : Long.parseLong(r.getParam("every"));
    int count = r.getParam("count") == null ? EVENTS : Integer.parseInt(r.getParam("count"));
    Vertx vertx = upstream.vertx();
    if (r.path().equals("/quiet")) {
      resp.write("data: first\n\n");
      vertx.setTimer(3000, t -> {
        if (!resp.closed()) {
          resp.end("data: late\n\n");
        }
      });
      return;
    }
    int[] seq = {0};
    vertx.setPeriodic(every, id -> {
      if (resp.closed()) {
        vertx.cancelTimer(id);
        return;
      }
      int n = seq[0]++;
      sentNanos.put(n, System.nanoTime());
      // Padded so each event is about 1.5 KiB: big enough to be compressed if the gateway did.
      String event = "id: " + n + "\ndata: " + n + " " + "x".repeat(1500) + "\n\n";
      if (n == count - 1) {
        vertx.cancelTimer(id);
        resp.end(event);
      } else {
        resp.write(event);
      }
    });
  }

  record Received(int seq, long nanos) {}

  @Test
  void eachEventArrivesWithin50msForAStreamLongerThanTheRouteTimeout() throws Exception {
    List<Received> received = new CopyOnWriteArrayList<>();
    AtomicReference<HttpClientResponse> head = new AtomicReference<>();
    AtomicBoolean ended = new AtomicBoolean();
    StringBuilder pending = new StringBuilder();
    long start = System.nanoTime();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(gateway.port())
            .setURI("/stream/events").putHeader("accept", "text/event-stream").putHeader("accept-encoding", "gzip, br"))
        .compose(req -> req.send())
        .onSuccess(resp -> {
          head.set(resp);
          resp.handler(buf -> {
            long now = System.nanoTime();
            pending.append(buf.toString());
            int end;
            while ((end = pending.indexOf("\n\n")) >= 0) {
              String event = pending.substring(0, end);
              pending.delete(0, end + 2);
              int id = Integer.parseInt(event.substring(4, event.indexOf('\n')));
              received.add(new Received(id, now));
            }
          });
          resp.endHandler(v -> ended.set(true));
        });
    await().atMost(Duration.ofSeconds(30)).until(ended::get);
    long total = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(total).as("the stream outlives the 1 s route timeout").isGreaterThan(3000);
    assertThat(head.get().statusCode()).isEqualTo(200);
    assertThat(head.get().getHeader("content-encoding")).as("server-sent events are never compressed").isNull();
    assertThat(received).hasSize(EVENTS);
    long worst = 0;
    int within50 = 0;
    for (Received r : received) {
      long delay = TimeUnit.NANOSECONDS.toMillis(r.nanos() - sentNanos.get(r.seq()));
      worst = Math.max(worst, delay);
      if (delay <= 50) {
        within50++;
      }
    }
    System.out.println("SSE: " + EVENTS + " events over " + total + " ms, " + within50 + " within 50 ms, worst "
        + "upstream-to-client delay " + worst + " ms");
    // Flushed per event, an event takes a few ms; buffered, it would wait for a buffer to fill or the
    // stream to end (seconds). On a quiet machine every event is within 50 ms (worst seen: 7-9 ms);
    // on a 2-core machine shared with other jobs a scheduling stall can delay one, so the test asks
    // for 95% within 50 ms and none beyond 500 ms.
    assertThat(within50).as("events delivered within 50 ms").isGreaterThanOrEqualTo(EVENTS * 95 / 100);
    assertThat(worst).as("no event held back").isLessThan(500);
  }

  @Test
  void aStreamThatGoesQuietLongerThanIdleTimeoutIsCut() {
    AtomicReference<String> body = new AtomicReference<>("");
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean ended = new AtomicBoolean();
    long start = System.nanoTime();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(gateway.port())
            .setURI("/stream/quiet"))
        .compose(req -> req.send())
        .onSuccess(resp -> {
          resp.handler(buf -> body.set(body.get() + buf));
          resp.exceptionHandler(failure::set);
          resp.endHandler(v -> ended.set(true));
        })
        .onFailure(failure::set);
    await().atMost(Duration.ofSeconds(10)).until(() -> failure.get() != null || ended.get());
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(body.get()).contains("data: first").doesNotContain("late");
    assertThat(ended.get()).as("a cut stream never looks complete").isFalse();
    assertThat(failure.get()).isNotNull();
    assertThat(took).isGreaterThanOrEqualTo(550).isLessThan(2900);
  }

  @Test
  void aStreamWithEventsJustInsideIdleTimeoutIsNotCut() {
    AtomicReference<String> body = new AtomicReference<>("");
    AtomicBoolean ended = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(gateway.port())
            .setURI("/stream/events?every=400&count=6"))
        .compose(req -> req.send())
        .onSuccess(resp -> {
          resp.handler(buf -> body.set(body.get() + buf));
          resp.exceptionHandler(failure::set);
          resp.endHandler(v -> ended.set(true));
        });
    await().atMost(Duration.ofSeconds(20)).until(() -> ended.get() || failure.get() != null);
    assertThat(failure.get()).isNull();
    assertThat(body.get()).contains("id: 5\n");
  }
}
