package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The gateway's HTTP/1.1 client against a raw upstream that writes exact bytes: what it sends, and
 * when it reuses a connection and when it must not. Each test's upstream answers one scripted
 * response per request and counts connections.
 */
class UpstreamWireIT {
  private static final String ROUTE = """
      service_routes:
        lake:
          prefix: /storage
          service_url: ${LAKE}
      network_optimization:
        connection_pooling:
          min_size: 0
      """;

  /** Answers each request read on a connection with the next reply of the script (or "ok" when it runs out). */
  private static final class ScriptedUpstream implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger connections = new AtomicInteger();
    final List<String> heads = new CopyOnWriteArrayList<>();
    final List<String> replies;
    final AtomicInteger next = new AtomicInteger();

    ScriptedUpstream(String... replies) throws IOException {
      this.replies = List.of(replies);
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            connections.incrementAndGet();
            Thread t = new Thread(() -> serve(s));
            t.setDaemon(true);
            t.start();
          } catch (IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void serve(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        String head;
        while ((head = readHead(in)) != null) {
          heads.add(head);
          int n = next.getAndIncrement();
          String reply = n < replies.size() ? replies.get(n) : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
      } catch (IOException ignored) {
        // the gateway closed the connection; what it saw is asserted
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int c;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while ((c = in.read()) >= 0) {
      head.write(c);
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
      if (matched == 4) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  @Test
  void theRequestCarriesTheInstanceAsHostAndTheClientsHostAsForwarded() throws Exception {
    try (ScriptedUpstream lake = new ScriptedUpstream();
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      assertThat(nexus.get("/storage/a?x=1").body()).isEqualTo("ok");
      String head = lake.heads.get(0);
      assertThat(head).startsWith("GET /a?x=1 HTTP/1.1\r\n");
      assertThat(head).containsIgnoringCase("host: 127.0.0.1:" + lake.server.getLocalPort() + "\r\n");
      assertThat(head).containsIgnoringCase("x-forwarded-host: 127.0.0.1:" + nexus.port() + "\r\n");
      assertThat(head).doesNotContainIgnoringCase("transfer-encoding");
    }
  }

  @Test
  void aHeadAnswerHasNoBodyWhateverItsLengthAndTheConnectionIsReused() throws Exception {
    try (ScriptedUpstream lake = new ScriptedUpstream(
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      HttpResponse<String> head = nexus.send(HttpRequest.newBuilder(nexus.uri("/storage/h"))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("content-length")).hasValue("5");
      HttpResponse<String> get = nexus.get("/storage/g");
      assertThat(get.body()).isEqualTo("hello");
      assertThat(lake.connections.get()).as("one connection carried both").isEqualTo(1);
    }
  }

  @Test
  void interimAnswersAreSkippedForTheFinalOne() throws Exception {
    try (ScriptedUpstream lake = new ScriptedUpstream(
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew");
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      HttpResponse<String> r = nexus.get("/storage/x");
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.body()).isEqualTo("new");
      assertThat(nexus.get("/storage/y").body()).isEqualTo("ok");
      assertThat(lake.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void aConnectionTheServiceAskedToCloseIsNotReused() throws Exception {
    // The upstream keeps the socket open after "Connection: close": reusing it would hang.
    try (ScriptedUpstream lake = new ScriptedUpstream(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfirst");
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      assertThat(nexus.get("/storage/1").body()).isEqualTo("first");
      assertThat(nexus.get("/storage/2").body()).isEqualTo("ok");
      assertThat(lake.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void bytesBeyondTheAnswerEndTheConnection() throws Exception {
    // A service that sends more than its Content-Length is out of step: what follows would be taken
    // as the next request's answer.
    try (ScriptedUpstream lake = new ScriptedUpstream(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged");
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      assertThat(nexus.get("/storage/1").body()).isEqualTo("ok");
      HttpResponse<String> second = nexus.get("/storage/2");
      assertThat(second.body()).isEqualTo("ok");
      assertThat(lake.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void aChunkedAnswerWithTrailersIsPassedWholeAndTheConnectionReused() throws Exception {
    try (ScriptedUpstream lake = new ScriptedUpstream(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n");
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      assertThat(nexus.get("/storage/c").body()).isEqualTo("hello world");
      assertThat(nexus.get("/storage/d").body()).isEqualTo("ok");
      assertThat(lake.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void anAnswerBeforeTheWholeBodyLeavesTheNextRequestUnharmed() throws Exception {
    // The upstream answers as soon as it has the head of a POST whose body is still coming. Whether
    // the gateway had sent the whole body by then (loopback buffers are large) decides if the
    // connection may be reused; either way the next request gets its own answer, not a stray one.
    try (ScriptedUpstream lake = new ScriptedUpstream(
        "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nnope");
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      byte[] body = new byte[1024 * 1024];
      HttpResponse<String> r = nexus.send(HttpRequest.newBuilder(nexus.uri("/storage/upload"))
          .timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(r.body()).isEqualTo("nope");
      assertThat(nexus.get("/storage/after").body()).isEqualTo("ok");
    }
  }

  @Test
  void aBodyIsSentWithItsLengthWhenTheClientGaveOne() throws Exception {
    try (ScriptedUpstream lake = new ScriptedUpstream();
         GatewayFixture nexus = GatewayFixture.start(ROUTE, Map.of("LAKE", lake.url()))) {
      HttpResponse<String> r = nexus.send(HttpRequest.newBuilder(URI.create(nexus.uri("/storage/p").toString()))
          .POST(HttpRequest.BodyPublishers.ofString("abc")).build());
      assertThat(r.body()).isEqualTo("ok");
      assertThat(lake.heads.get(0)).startsWith("POST /p HTTP/1.1\r\n").containsIgnoringCase("content-length: 3\r\n")
          .doesNotContainIgnoringCase("transfer-encoding");
    }
  }
}
