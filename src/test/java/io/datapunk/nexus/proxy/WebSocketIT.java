package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.netty.util.ResourceLeakDetector;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrameType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** WebSocket proxying through a real gateway to a real WebSocket echo service. */
class WebSocketIT {
  static TestUpstream upstream;
  static TestUpstream second;
  static GatewayFixture gateway;
  static Vertx clientVertx;
  static WebSocketClient client;
  static final AtomicReference<HttpServerRequest> lastUpgrade = new AtomicReference<>();
  static final AtomicReference<String> serviceSawClose = new AtomicReference<>();
  static final List<String> serviceSawPings = new CopyOnWriteArrayList<>();
  /** The port of the service instance each upgrade reached. */
  static final List<Integer> upgradedAt = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    upstream = TestUpstream.start(new HttpServerOptions().setWebSocketSubProtocols(List.of("chat.v2", "chat.v3"))
        .setMaxWebSocketMessageSize(1 << 20)).handler(WebSocketIT::serve);
    second = TestUpstream.start().handler(WebSocketIT::serve);
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    gateway = GatewayFixture.start("""
        service_routes:
          stream:
            prefix: /stream
            service_url: ${URL}
            timeout: 2s
            request_headers:
              set:
                X-Datapunk-Gateway: nexus
          quiet:
            prefix: /quiet
            service_url: ${URL}
            idle_timeout: 700ms
          spread:
            prefix: /spread
            instances:
              - ${URL}
              - ${SECOND}
            load_balancing: round_robin
          gone:
            prefix: /gone
            service_url: http://127.0.0.1:${CLOSED}
        network_optimization:
          connection_pooling:
            min_size: 0
        """, Map.of("URL", upstream.url(), "SECOND", second.url(), "CLOSED", Integer.toString(closedPort)));
    clientVertx = Vertx.vertx();
    client = clientVertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(1 << 20));
  }

  @AfterAll
  static void stop() throws Exception {
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    gateway.close();
    upstream.close();
    second.close();
  }

  /** An echo service: echoes messages with their type, closes with 4001 on "close please", refuses /deny. */
  static void serve(HttpServerRequest r) {
    if (!r.canUpgradeToWebSocket()) {
      TestUpstream.echo(r);
      return;
    }
    lastUpgrade.set(r);
    upgradedAt.add(r.localAddress().port());
    if (r.path().equals("/deny")) {
      r.response().setStatusCode(403).putHeader("content-type", "text/plain").end("not for you");
      return;
    }
    r.toWebSocket().onSuccess(ws -> {
      ws.textMessageHandler(text -> {
        if (text.equals("close please")) {
          ws.close((short) 4001, "service says bye");
        } else {
          ws.writeTextMessage(text);
        }
      });
      ws.binaryMessageHandler(ws::writeBinaryMessage);
      ws.frameHandler(f -> {
        if (f.type() == WebSocketFrameType.PING) {
          serviceSawPings.add(f.binaryData().toString());
        }
      });
      ws.closeHandler(v -> serviceSawClose.set(ws.closeStatusCode() + " " + ws.closeReason()));
    });
  }

  static WebSocket connect(String uri, String... protocols) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port()).setURI(uri);
    for (String p : protocols) {
      o.addSubProtocol(p);
    }
    return join(client.connect(o));
  }

  static <T> T join(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  record Message(boolean text, Buffer data) {}

  static final String[] ALPHABET = {"a", "b", "c", " ", "é", "€", "😀", "\n", "x", "y", "z"};

  @Test
  void tenThousandMixedMessagesEchoBackInOrder() {
    // Netty's PARANOID leak detector (on for all tests) records a stack trace for every 8 bytes a
    // WebSocket client masks, which makes megabytes of frames take minutes. This bulk test runs at
    // SIMPLE (leaks still reported, by sampling); the other tests here cover the relay at PARANOID.
    ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    try {
      bulkEcho();
    } finally {
      ResourceLeakDetector.setLevel(level);
    }
  }

  private void bulkEcho() {
    WebSocket ws = connect("/stream/echo");
    Random random = new Random(42);
    List<Message> sent = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      int roll = random.nextInt(100);
      // Mostly small, some over a frame (64 KiB) so they cross the gateway as several frames.
      int size = i % 1000 == 999 ? 64 * 1024 + random.nextInt(100 * 1024)
          : roll < 80 ? random.nextInt(512) : roll < 99 ? 512 + random.nextInt(8 * 1024) : random.nextInt(64 * 1024);
      if (random.nextBoolean()) {
        StringBuilder b = new StringBuilder(size);
        while (b.length() < size) {
          b.append(ALPHABET[random.nextInt(ALPHABET.length)]); // multi-byte characters split across frames
        }
        sent.add(new Message(true, Buffer.buffer(b.toString())));
      } else {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        sent.add(new Message(false, Buffer.buffer(bytes)));
      }
    }
    List<Message> received = new CopyOnWriteArrayList<>();
    ws.textMessageHandler(t -> received.add(new Message(true, Buffer.buffer(t))));
    ws.binaryMessageHandler(b -> received.add(new Message(false, b)));
    long start = System.nanoTime();
    Promise<Void> allSent = Promise.promise();
    clientVertx.runOnContext(v -> sendFrom(ws, sent, 0, allSent));
    join(allSent.future());
    await().atMost(Duration.ofSeconds(120)).until(() -> received.size() == sent.size());
    long bytes = sent.stream().mapToLong(m -> m.data().length()).sum();
    System.out.println("WebSocket: 10000 messages, " + bytes / 1024 + " KiB each way, echoed in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    for (int i = 0; i < sent.size(); i++) {
      assertThat(received.get(i).text()).as("type of message %d", i).isEqualTo(sent.get(i).text());
      assertThat(received.get(i).data()).as("content of message %d", i).isEqualTo(sent.get(i).data());
    }
    join(ws.close());
  }

  /** Sends with back-pressure: waits for the write queue to drain when it fills. */
  static void sendFrom(WebSocket ws, List<Message> messages, int from, Promise<Void> done) {
    int i = from;
    while (i < messages.size()) {
      if (i > from && i % 200 == 0) {
        // Let the client's event loop breathe between batches.
        int next = i;
        clientVertx.runOnContext(v -> sendFrom(ws, messages, next, done));
        return;
      }
      Message m = messages.get(i++);
      if (m.text()) {
        ws.writeTextMessage(m.data().toString());
      } else {
        ws.writeBinaryMessage(m.data());
      }
      if (ws.writeQueueFull()) {
        int next = i;
        ws.drainHandler(v -> sendFrom(ws, messages, next, done));
        return;
      }
    }
    done.complete();
  }

  @Test
  void theServicesSubprotocolAndTheRouteFiltersApplyAtTheUpgrade() {
    WebSocket ws = connect("/stream/chat?room=1", "chat.v1", "chat.v2");
    assertThat(ws.subProtocol()).isEqualTo("chat.v2");
    HttpServerRequest seen = lastUpgrade.get();
    assertThat(seen.path()).isEqualTo("/chat");
    assertThat(seen.query()).isEqualTo("room=1");
    assertThat(seen.getHeader("X-Datapunk-Gateway")).isEqualTo("nexus");
    assertThat(seen.getHeader("X-Request-Id")).isNotBlank();
    assertThat(seen.getHeader("X-Forwarded-For")).isEqualTo("127.0.0.1");
    join(ws.close());

    WebSocket other = connect("/stream/chat", "chat.v3", "chat.v2");
    assertThat(other.subProtocol()).isEqualTo("chat.v3");
    join(other.close());
  }

  @Test
  void closeCodeAndReasonReachTheServiceFromTheClient() {
    WebSocket ws = connect("/stream/echo");
    serviceSawClose.set(null);
    join(ws.close((short) 4001, "client says bye"));
    await().atMost(Duration.ofSeconds(10)).until(() -> serviceSawClose.get() != null);
    assertThat(serviceSawClose.get()).isEqualTo("4001 client says bye");
  }

  @Test
  void closeCodeAndReasonReachTheClientFromTheService() {
    WebSocket ws = connect("/stream/echo");
    AtomicReference<String> closed = new AtomicReference<>();
    ws.closeHandler(v -> closed.set(ws.closeStatusCode() + " " + ws.closeReason()));
    ws.writeTextMessage("close please");
    await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() != null);
    assertThat(closed.get()).isEqualTo("4001 service says bye");
  }

  @Test
  void pingsArePassedToTheService() {
    WebSocket ws = connect("/stream/echo");
    List<String> pongs = new CopyOnWriteArrayList<>();
    ws.pongHandler(b -> pongs.add(b.toString()));
    ws.writePing(Buffer.buffer("are you there"));
    await().atMost(Duration.ofSeconds(10)).until(() -> serviceSawPings.contains("are you there") && !pongs.isEmpty());
    assertThat(pongs).contains("are you there");
    join(ws.close());
  }

  @Test
  void aRefusedUpgradeIsPassedBack() {
    Throwable failure = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
        .setURI("/stream/deny")).toCompletionStage().toCompletableFuture().handle((ws, e) -> e).join();
    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(403);
    assertThat(((UpgradeRejectedException) failure).getBody().toString()).isEqualTo("not for you");
  }

  @Test
  void idleTimeoutClosesAQuietSocketButNotOneInUse() {
    WebSocket quiet = connect("/quiet/echo");
    AtomicReference<Short> code = new AtomicReference<>();
    quiet.closeHandler(v -> code.set(quiet.closeStatusCode() == null ? (short) 1006 : quiet.closeStatusCode()));
    long start = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).until(() -> code.get() != null);
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // The tunnel drops the connection (no close frame of the gateway's own: 1006 at the client).
    assertThat(code.get()).isEqualTo((short) 1006);
    assertThat(took).isGreaterThanOrEqualTo(600).isLessThan(5000);

    // A message every 300 ms keeps a socket with a 700 ms idle timeout open.
    WebSocket busy = connect("/quiet/echo");
    List<String> echoes = new CopyOnWriteArrayList<>();
    busy.textMessageHandler(echoes::add);
    long timer = clientVertx.setPeriodic(300, id -> busy.writeTextMessage("tick"));
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> echoes.size() >= 7);
      assertThat(busy.isClosed()).isFalse();
    } finally {
      clientVertx.cancelTimer(timer);
    }
    join(busy.close());
  }

  @Test
  void upgradesAreSpreadOverTheRoutesInstancesAndCountInFlightWhileOpen() {
    upgradedAt.clear();
    List<WebSocket> open = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      WebSocket ws = connect("/spread/echo");
      List<String> echoes = new CopyOnWriteArrayList<>();
      ws.textMessageHandler(echoes::add);
      ws.writeTextMessage("hello " + i);
      await().atMost(Duration.ofSeconds(10)).until(() -> echoes.size() == 1);
      assertThat(echoes).containsExactly("hello " + i);
      open.add(ws);
    }
    assertThat(upgradedAt).as("round_robin over the two instances")
        .containsExactlyInAnyOrder(upstream.port(), upstream.port(), second.port(), second.port());
    assertThat(inFlight("spread")).as("each open tunnel is in flight at its instance").containsExactly(2, 2);
    for (WebSocket ws : open) {
      join(ws.close());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> inFlight("spread").equals(List.of(0, 0)));
  }

  static List<Integer> inFlight(String route) {
    return gateway.gateway.services().stream().filter(s -> s.name().equals(route)).findFirst().orElseThrow()
        .instances().stream().map(i -> i.inFlight()).toList();
  }

  @Test
  void anUpgradeToAnUnreachableServiceIs502() {
    Throwable failure = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
        .setURI("/gone/echo")).toCompletionStage().toCompletableFuture().handle((ws, e) -> e).join();
    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(502);
    assertThat(((UpgradeRejectedException) failure).getBody().toString()).contains("service_down");
    assertThat(inFlight("gone")).containsExactly(0);
  }

  @Test
  void plainRequestsOnTheSameRouteStillProxy() {
    assertThat(gateway.get("/stream/hello").statusCode()).isEqualTo(200);
  }
}
