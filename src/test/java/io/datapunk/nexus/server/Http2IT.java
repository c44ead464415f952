package io.datapunk.nexus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestCertificates;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 from clients (TLS with ALPN, and h2c with prior knowledge), measured with h2load (Debian's
 * nghttp2-client), the server's advertised limits, HTTP/2 to a service, and the rapid-reset guard.
 */
class Http2IT {
  static TestUpstream upstream;
  static TestUpstream h2Upstream;
  static TestCertificates certs;
  static GatewayFixture tls;
  static GatewayFixture clear;
  static final ConcurrentLinkedQueue<HttpVersion> h2UpstreamSaw = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() {
    upstream = TestUpstream.start().handler(r -> r.response().putHeader("content-type", "text/plain").end("ok"));
    h2Upstream = TestUpstream.start().handler(Http2IT::recordVersion);
    certs = TestCertificates.create();
    String routes = """
        service_routes:
          lake:
            prefix: /storage
            service_url: ${URL}
          stream:
            prefix: /stream
            service_url: ${H2_URL}
            http_version: 2
        network_optimization:
          connection_pooling:
            min_size: 0
        """;
    Map<String, String> vars = Map.of("URL", upstream.url(), "H2_URL", h2Upstream.url(), "CERT", certs.cert.toString(),
        "KEY", certs.key.toString());
    tls = GatewayFixture.start("""
        server:
          port: 0
          event_loops: 2
          tls:
            enabled: true
            cert: ${CERT}
            key: ${KEY}
        """ + routes, vars);
    clear = GatewayFixture.start("""
        server:
          port: 0
          event_loops: 2
          http2:
            cleartext: true
            max_concurrent_streams: 64
            max_header_list_size: 8kb
            initial_window_size: 131072
            max_resets_per_window: 100
            reset_window: 30s
        """ + routes, vars);
  }

  @AfterAll
  static void stop() {
    tls.close();
    clear.close();
    upstream.close();
    h2Upstream.close();
  }

  static void recordVersion(HttpServerRequest r) {
    h2UpstreamSaw.add(r.version());
    r.response().end("version " + r.version());
  }

  /** Runs h2load and returns its output; fails the test with the output when it does not exit 0. */
  static String h2load(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("h2load"));
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile("h2load", ".log");
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("h2load is missing: ./nexus test installs it (apt-get install nghttp2-client)", e);
    }
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("h2load finished").isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  static void assertAllSucceeded(String out, int n) {
    Matcher m = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored")
        .matcher(out);
    assertThat(m.find()).as(out).isTrue();
    assertThat(Integer.parseInt(m.group(4))).as(out).isEqualTo(n);
    assertThat(out).contains("status codes: " + n + " 2xx");
  }

  @Test
  void h2loadOverTlsWithAlpn() throws Exception {
    String out = h2load("-n", "4000", "-c", "4", "-m", "32", "https://127.0.0.1:" + tls.port() + "/storage/x");
    assertThat(out).contains("Application protocol: h2");
    assertAllSucceeded(out, 4000);
    System.out.println("h2load over TLS (h2): " + out.lines().filter(l -> l.startsWith("finished in")).findFirst().orElse(""));
  }

  @Test
  void h2loadOverCleartextWithPriorKnowledge() throws Exception {
    String out = h2load("-n", "4000", "-c", "4", "-m", "32", "http://127.0.0.1:" + clear.port() + "/storage/x");
    assertThat(out).contains("Application protocol: h2c");
    assertAllSucceeded(out, 4000);
    System.out.println("h2load h2c: " + out.lines().filter(l -> l.startsWith("finished in")).findFirst().orElse(""));
  }

  @Test
  void tlsListenerStillServesHttp11() throws Exception {
    HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(certs.sslContext()).build();
    HttpResponse<String> r = h1.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.port() + "/storage/x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).isEqualTo("ok");
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(certs.sslContext()).build();
    HttpResponse<String> r2 = h2.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.port() + "/storage/x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r2.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r2.headers().firstValue("x-forwarded-proto")).isEmpty();
  }

  @Test
  void http2ToTheServiceWhenTheRouteAsks() {
    h2UpstreamSaw.clear();
    HttpResponse<String> r = clear.get("/stream/version");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("version HTTP_2");
    assertThat(h2UpstreamSaw).containsOnly(HttpVersion.HTTP_2);
  }

  @Test
  void anHttp2GetGoesOutBodilessAndIsResentAfterAStaleConnection() throws Exception {
    // Vert.x hands an HTTP/2 request over before the end of a stream that ended with its headers, so
    // a GET looks, at that moment, like a request whose body is still coming. It must still reach the
    // service as a bodiless GET (no chunked framing), and be sent once more when the pooled connection
    // closes under it, as an HTTP/1.1 GET would: with bodies kept for resending (the default) and with
    // none kept (max_replay_body: 0).
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger dropped = new AtomicInteger();
    ConcurrentLinkedQueue<String> heads = new ConcurrentLinkedQueue<>();
    io.vertx.core.http.HttpClient h2 = null;
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            java.net.Socket s = server.accept();
            new Thread(() -> answerOnceThenDrop(s, heads, answered, dropped)).start();
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      try (GatewayFixture g = GatewayFixture.start("""
          server:
            port: 0
            event_loops: 2
            http2:
              cleartext: true
          service_routes:
            kept:
              prefix: /kept
              service_url: ${URL}
            unkept:
              prefix: /unkept
              service_url: ${URL}
              retry:
                max_replay_body: 0
          network_optimization:
            connection_pooling:
              min_size: 0
          """, Map.of("URL", "http://127.0.0.1:" + server.getLocalPort()))) {
        h2 = upstream.vertx().createHttpClient(new io.vertx.core.http.HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        io.vertx.core.http.HttpClient client = h2;
        for (String route : List.of("/kept/", "/unkept/")) {
          for (int i = 0; i < 10; i++) {
            String uri = route + i;
            String got = TestUpstream.await(client.request(io.vertx.core.http.HttpMethod.GET, g.port(), "127.0.0.1", uri)
                .compose(req -> req.send())
                .compose(resp -> resp.body().map(b -> resp.version() + " " + resp.statusCode() + " " + b)));
            assertThat(got).as(uri).isEqualTo("HTTP_2 200 ok");
          }
        }
        assertThat(answered.get()).isEqualTo(20);
        assertThat(dropped.get()).as("the service did drop reused connections").isGreaterThan(0);
        assertThat(heads).hasSize(20 + dropped.get());
        assertThat(heads).allSatisfy(h -> assertThat(h.toLowerCase(java.util.Locale.ROOT))
            .startsWith("get ").doesNotContain("transfer-encoding").doesNotContain("content-length"));
      }
    } finally {
      if (h2 != null) {
        TestUpstream.await(h2.close());
      }
    }
  }

  /** Answers the first request of a connection and closes it when a second one arrives on it. */
  private static void answerOnceThenDrop(java.net.Socket s, ConcurrentLinkedQueue<String> heads, AtomicInteger answered,
                                         AtomicInteger dropped) {
    try (s) {
      java.io.InputStream in = s.getInputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      heads.add(head);
      answered.incrementAndGet();
      s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      head = readHead(in);
      if (head != null) {
        heads.add(head);
        dropped.incrementAndGet();
      }
    } catch (java.io.IOException ignored) {
      // the test's service; what the gateway answers is asserted
    }
  }

  /** A request head up to its blank line, or null at the end of the stream. */
  private static String readHead(java.io.InputStream in) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      b.append((char) c);
      if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
        return b.toString();
      }
    }
    return null;
  }

  @Test
  void theServerAdvertisesItsConfiguredLimits() throws Exception {
    try (RawHttp2Client c = new RawHttp2Client(clear.port())) {
      await().atMost(Duration.ofSeconds(10)).until(() -> c.serverSettings() != null);
      Map<Integer, Long> s = c.serverSettings();
      assertThat(s.get(3)).as("MAX_CONCURRENT_STREAMS").isEqualTo(64L);
      assertThat(s.get(4)).as("INITIAL_WINDOW_SIZE").isEqualTo(131072L);
      assertThat(s.get(6)).as("MAX_HEADER_LIST_SIZE").isEqualTo(8192L);
    }
  }

  @Test
  void headerListsOverTheLimitAreRefusedAndJustUnderPass() throws Exception {
    try (RawHttp2Client c = new RawHttp2Client(clear.port())) {
      // Netty counts name + value + 32 per header; the pseudo-headers take about 150 of the 8192.
      c.request(1, RawHttp2Client.requestBlock("/storage/x", "x-big", "a".repeat(7800)));
      c.request(3, RawHttp2Client.requestBlock("/storage/x", "x-big", "a".repeat(8300)));
      await().atMost(Duration.ofSeconds(10)).until(() -> answered(c, 1) != null && answered(c, 3) != null);
      assertThat(answered(c, 1)).isEqualTo("200");
      assertThat(answered(c, 3)).isIn("431", "reset");
    }
  }

  /** ":status" of the first HEADERS on a stream ("reset" for a RST_STREAM), or null for nothing yet. */
  static String answered(RawHttp2Client c, int stream) {
    for (RawHttp2Client.Frame f : c.received) {
      if (f.stream() == stream && f.type() == RawHttp2Client.RST_STREAM) {
        return "reset";
      }
      if (f.stream() == stream && f.type() == RawHttp2Client.HEADERS) {
        // HPACK static table: 0x88 = :status 200; 431 comes as a literal with the value in ASCII.
        byte[] p = f.payload();
        int i = (f.flags() & 0x8) != 0 ? 1 : 0; // PADDED: pad length
        if ((f.flags() & 0x20) != 0) {
          i += 5; // PRIORITY: stream dependency and weight
        }
        while (i < p.length && (p[i] & 0xe0) == 0x20) { // dynamic table size updates come first
          if ((p[i] & 0x1f) == 0x1f) {
            while ((p[++i] & 0x80) != 0) {
              // continuation bytes of the size
            }
          }
          i++;
        }
        if (i < p.length && (p[i] & 0xff) == 0x88) {
          return "200";
        }
        String s = new String(p, StandardCharsets.ISO_8859_1);
        return s.contains("431") ? "431" : "other " + java.util.HexFormat.of().formatHex(p, 0, Math.min(p.length, 24));
      }
    }
    return null;
  }

  @Test
  void rapidResetFloodsAreCutOffWithoutStallingOthersOrGrowingMemory() throws Exception {
    // Netty's PARANOID leak detector (on for all tests) records a stack trace at every buffer access,
    // which makes each frame cost the gateway far more than in production: measured at PARANOID the
    // test would time the detector, not the guard. This one runs at SIMPLE (leaks still reported).
    io.netty.util.ResourceLeakDetector.Level level = io.netty.util.ResourceLeakDetector.getLevel();
    io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.SIMPLE);
    try {
      flood();
    } finally {
      io.netty.util.ResourceLeakDetector.setLevel(level);
    }
  }

  private void flood() throws Exception {
    int before = upstream.requests.get();
    long heapBefore = usedHeapAfterGc();
    AtomicBoolean attacking = new AtomicBoolean(true);
    AtomicInteger served = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Long> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      // A well-behaved HTTP/2 client keeps asking during the attack.
      Future<?> victim = pool.submit(() -> {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        while (attacking.get()) {
          long t = System.nanoTime();
          try {
            HttpResponse<String> r = h2.send(HttpRequest.newBuilder(clear.uri("/storage/x")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
              served.incrementAndGet();
              latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
            } else {
              failed.incrementAndGet();
            }
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
        return null;
      });
      // Four attackers, five connections each, each trying to open and cancel 20,000 streams.
      List<Future<long[]>> attacks = new ArrayList<>();
      for (int a = 0; a < 4; a++) {
        attacks.add(pool.submit(() -> {
          long streamsSent = 0;
          long goAways = 0;
          long cut = 0;
          byte[] block = RawHttp2Client.requestBlock("/storage/x");
          for (int conn = 0; conn < 5; conn++) {
            try (RawHttp2Client c = new RawHttp2Client(clear.port())) {
              try {
                for (int s = 1; s < 40_000; s += 2) {
                  c.request(s, block);
                  c.reset(s);
                  streamsSent++;
                }
              } catch (java.io.IOException cutOff) {
                // The server closed the connection under us: what the guard is for.
              }
              // The server sends GOAWAY(ENHANCE_YOUR_CALM) and closes; with frames still unread the
              // close may turn into a TCP reset that overtakes the GOAWAY, so either counts as cut off.
              await().atMost(Duration.ofSeconds(20)).until(() -> c.closedByServer.get() || c.goAwayError() >= 0);
              cut++;
              if (c.goAwayError() == 0xb) {
                goAways++;
              }
            }
          }
          return new long[] {streamsSent, goAways, cut};
        }));
      }
      long streams = 0;
      long calm = 0;
      long cutOff = 0;
      for (Future<long[]> f : attacks) {
        long[] r = f.get(120, TimeUnit.SECONDS);
        streams += r[0];
        calm += r[1];
        cutOff += r[2];
      }
      attacking.set(false);
      victim.get(60, TimeUnit.SECONDS);
      int reached = upstream.requests.get() - before;
      long heapAfter = usedHeapAfterGc();
      latencies.sort(null);
      long p99 = latencies.isEmpty() ? -1 : latencies.get(Math.min(latencies.size() - 1, latencies.size() * 99 / 100));
      System.out.printf("rapid reset: %d streams opened and reset over 20 connections, %d cut off (%d GOAWAY "
              + "ENHANCE_YOUR_CALM seen), %d reached the service; victim %d served, %d failed, p99 %d ms; heap %d -> %d MiB%n",
          streams, cutOff, calm, reached, served.get(), failed.get(), p99, heapBefore >> 20, heapAfter >> 20);
      assertThat(cutOff).as("every flooding connection is closed by the gateway").isEqualTo(20);
      assertThat(calm).as("with GOAWAY(ENHANCE_YOUR_CALM) where it arrives before the close").isPositive();
      assertThat(reached).as("few of the reset streams cost an upstream call").isLessThan(5_000);
      assertThat(streams).as("no connection got far past the reset limit").isLessThan(20L * 20_000);
      assertThat(served.get()).as("the other client kept being served").isPositive();
      assertThat(failed.get()).isZero();
      assertThat(p99).as("p99 of the other client's requests during the flood, ms").isLessThan(2000);
      assertThat(heapAfter - heapBefore).as("memory does not grow with the flood").isLessThan(64L << 20);
      assertThat(clear.get("/storage/x").statusCode()).isEqualTo(200);
    } finally {
      attacking.set(false);
      pool.shutdownNow();
    }
  }

  static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
