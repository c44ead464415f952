package io.datapunk.nexus.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.RawHttp;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Request smuggling, framing and path-escape cases sent on a raw socket to a real gateway in front of
 * a real upstream: each is refused with the right status in the JSON error format, the connection is
 * closed, and the upstream never sees a smuggled second request or an escaped path.
 */
class EdgeValidationIT {
  private static final String HOST = "Host: gw\r\n";
  private static TestUpstream upstream;
  private static GatewayFixture gateway;
  /** "METHOD uri" of every request the upstream received, and the header names it saw. */
  private static final List<String> seen = new CopyOnWriteArrayList<>();
  private static final List<String> seenHeaders = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    upstream = TestUpstream.start().handler(r -> {
      seen.add(r.method() + " " + r.uri());
      r.headers().names().forEach(n -> seenHeaders.add(n.toLowerCase(java.util.Locale.ROOT)));
      TestUpstream.echo(r);
    });
    gateway = GatewayFixture.start("""
        server:
          port: 0
          event_loops: 1
          max_initial_line_length: 1024
          max_header_size: 2048
        security:
          limits:
            max_header_count: 20
            max_body_size: 1000
        service_routes:
          svc:
            prefix: /svc
            service_url: ${UP}
          other:
            prefix: /other
            service_url: ${UP}
          big:
            prefix: /big
            service_url: ${UP}
            max_body_size: 5000
        network_optimization:
          connection_pooling:
            min_size: 0
        """, Map.of("UP", upstream.url()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
  }

  @BeforeEach
  void clear() {
    seen.clear();
    seenHeaders.clear();
  }

  private static RawHttp.Reply send(String raw) {
    return RawHttp.send(gateway.port(), raw);
  }

  private static void assertRefused(RawHttp.Reply reply, int status) {
    assertThat(reply.status()).as(reply.text()).isEqualTo(status);
    assertThat(reply.responses()).as("one answer only: " + reply.text()).isEqualTo(1);
    assertThat(reply.closed()).as("connection closed").isTrue();
    assertThat(reply.text().toLowerCase(java.util.Locale.ROOT)).contains("content-type: application/json");
    JsonObject error = new JsonObject(reply.body()).getJsonObject("error");
    assertThat(error.getInteger("status")).isEqualTo(status);
    assertThat(error.getString("request_id")).isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "CL.TE smuggling|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: 6\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nGET /svc/smuggled HTTP/1.1\\r\\nHost: gw\\r\\n\\r\\n",
      "TE.CL smuggling|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 4\\r\\n\\r\\n5c\\r\\nGET /svc/smuggled HTTP/1.1\\r\\nHost: gw\\r\\n\\r\\n0\\r\\n\\r\\n",
      "two different Content-Length|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: 3\\r\\nContent-Length: 40\\r\\n\\r\\nabcGET /svc/smuggled HTTP/1.1\\r\\nHost: gw\\r\\n\\r\\n",
      "two equal Content-Length|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: 3\\r\\nContent-Length: 3\\r\\n\\r\\nabc",
      "Content-Length list|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: 3, 3\\r\\n\\r\\nabc",
      "Content-Length with sign|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: +3\\r\\n\\r\\nabc",
      "Content-Length in hex|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: 0x3\\r\\n\\r\\nabc",
      "Transfer-Encoding gzip|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\nGET /svc/smuggled HTTP/1.1\\r\\nHost: gw\\r\\n\\r\\n",
      "Transfer-Encoding chunked twice|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "two Transfer-Encoding headers|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n0\\r\\n\\r\\n",
      "Transfer-Encoding xchunked|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nTransfer-Encoding: xchunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "space before colon|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nTransfer-Encoding : chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "Transfer-Encoding on HTTP/1.0|POST /svc/a HTTP/1.0\\r\\nHost: gw\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "obs-fold|GET /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nX-A: b\\r\\n c\\r\\n\\r\\n",
      "obs-fold with tab|GET /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nX-A: b\\r\\n\\tc\\r\\n\\r\\n",
      "obs-fold hiding Transfer-Encoding|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: 3\\r\\nX-A: b\\r\\n Transfer-Encoding: chunked\\r\\n\\r\\nabc",
      "bare LF|GET /svc/a HTTP/1.1\\nHost: gw\\nX-A: b\\n\\n",
      "bare CR in a value|GET /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nX-A: b\\rc\\r\\n\\r\\n",
      "NUL in a value|GET /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nX-A: b\\u0000c\\r\\n\\r\\n",
      "missing Host|GET /svc/a HTTP/1.1\\r\\n\\r\\n",
      "two Host headers|GET /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nHost: evil\\r\\n\\r\\n",
      "Host with userinfo|GET /svc/a HTTP/1.1\\r\\nHost: user@evil\\r\\n\\r\\n",
      "Host with a path|GET /svc/a HTTP/1.1\\r\\nHost: evil/x\\r\\n\\r\\n",
      "unknown Expect|POST /svc/a HTTP/1.1\\r\\nHost: gw\\r\\nContent-Length: 3\\r\\nExpect: 200-ok\\r\\n\\r\\nabc",
      "HTTP/0.9|GET /svc/a\\r\\n\\r\\n",
  })
  void refusesAmbiguousFraming(String name, String raw) {
    RawHttp.Reply reply = send(unescape(raw));
    assertRefused(reply, 400);
    assertThat(seen).as("the upstream saw nothing").isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "invalid chunk size|zz\\r\\nabc\\r\\n0\\r\\n\\r\\n",
      "negative chunk size|-3\\r\\nabc\\r\\n0\\r\\n\\r\\n",
      "chunk size overflow|fffffffffffffffff1\\r\\nabc\\r\\n0\\r\\n\\r\\nGET /svc/smuggled HTTP/1.1\\r\\nHost: gw\\r\\n\\r\\n",
  })
  void refusesInvalidChunksWithoutPassingOnASecondRequest(String name, String body) {
    RawHttp.Reply reply = send("POST /svc/a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" + unescape(body));
    assertRefused(reply, 400);
    // The head was already streamed to the service (chunked bodies are not buffered); that upstream
    // request was reset, and nothing after it was taken for a request.
    assertThat(seen).allMatch(s -> s.equals("POST /a"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "dot-dot above the root|/svc/../../etc/passwd",
      "encoded dot-dot above the root|/svc/%2e%2e/%2E%2E/etc/passwd",
      "encoded slash|/svc/a%2f..%2f..%2fx",
      "encoded backslash|/svc/..%5c..%5cx",
      "raw backslash|/svc\\..\\..\\x",
      "dot-dot-semicolon|/svc/..;/other/x",
      "encoded NUL|/svc/a%00.json",
      "overlong dot|/svc/%c0%ae%c0%ae/%c0%ae%c0%ae/x",
      "overlong slash|/svc/%c0%afx",
      "three-byte overlong dot|/svc/%e0%80%ae%e0%80%ae/x",
      "bad escape|/svc/%zz",
      "non-ASCII byte|/svc/caf\\u00e9",
      "asterisk form|*",
  })
  void refusesPathEscapes(String name, String path) {
    RawHttp.Reply reply = send("GET " + unescape(path) + " HTTP/1.1\r\n" + HOST + "\r\n");
    assertRefused(reply, 400);
    assertThat(seen).isEmpty();
  }

  @Test
  void routesAndForwardsTheCanonicalPath() {
    RawHttp.Reply reply = send("GET /other/../svc/%41b//c/./d?q=1 HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(seen).containsExactly("GET /Ab/c/d?q=1");
  }

  @Test
  void pipelinedValidRequestsAreAllServed() {
    RawHttp.Reply reply = send("GET /svc/one HTTP/1.1\r\n" + HOST + "\r\nGET /svc/two HTTP/1.1\r\n" + HOST
        + "Connection: close\r\n\r\n");
    assertThat(reply.responses()).isEqualTo(2);
    assertThat(seen).containsExactly("GET /one", "GET /two");
  }

  @Test
  void requestLineLimitIsExact() {
    // "GET " + path + " HTTP/1.1" is the request line; max_initial_line_length is 1024.
    String inside = "/svc/" + "a".repeat(1024 - "GET /svc/ HTTP/1.1".length());
    RawHttp.Reply ok = send("GET " + inside + " HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n");
    assertThat(ok.status()).as(ok.text()).isEqualTo(200);
    RawHttp.Reply tooLong = send("GET " + inside + "a HTTP/1.1\r\n" + HOST + "\r\n");
    assertRefused(tooLong, 414);
  }

  @Test
  void headerBlockLimitIsEnforced() {
    RawHttp.Reply ok = send("GET /svc/a HTTP/1.1\r\n" + HOST + "X-Big: " + "v".repeat(1900) + "\r\nConnection: close\r\n\r\n");
    assertThat(ok.status()).isEqualTo(200);
    RawHttp.Reply tooLarge = send("GET /svc/a HTTP/1.1\r\n" + HOST + "X-Big: " + "v".repeat(2100) + "\r\n\r\n");
    assertRefused(tooLarge, 431);
    assertThat(seen).hasSize(1);
  }

  @Test
  void headerCountLimitIsExact() {
    // max_header_count is 20: Host and Connection plus 18 others is the most accepted.
    StringBuilder inside = new StringBuilder("GET /svc/a HTTP/1.1\r\n" + HOST + "Connection: close\r\n");
    for (int i = 0; i < 18; i++) {
      inside.append("X-H").append(i).append(": v\r\n");
    }
    assertThat(send(inside + "\r\n").status()).isEqualTo(200);
    assertRefused(send(inside + "X-One-More: v\r\n\r\n"), 431);
    assertThat(seen).hasSize(1);
  }

  @Test
  void bodyLimitIsCheckedBeforeReadingAndIsExact() {
    String inside = "x".repeat(1000);
    RawHttp.Reply ok = send("POST /svc/a HTTP/1.1\r\n" + HOST + "Connection: close\r\nContent-Length: 1000\r\n\r\n" + inside);
    assertThat(ok.status()).isEqualTo(200);
    // Only the head is sent: the 413 comes without the gateway waiting for the body.
    RawHttp.Reply tooLarge = send("POST /svc/a HTTP/1.1\r\n" + HOST + "Content-Length: 1001\r\n\r\n");
    assertRefused(tooLarge, 413);
    assertThat(seen).hasSize(1);
  }

  @Test
  void routeBodyLimitOverridesTheGlobalOne() {
    RawHttp.Reply ok = send("POST /big/a HTTP/1.1\r\n" + HOST + "Connection: close\r\nContent-Length: 5000\r\n\r\n" + "x".repeat(5000));
    assertThat(ok.status()).isEqualTo(200);
    assertRefused(send("POST /big/a HTTP/1.1\r\n" + HOST + "Content-Length: 5001\r\n\r\n"), 413);
  }

  @Test
  void expectContinueOverTheLimitGets413WithoutContinue() {
    RawHttp.Reply reply = send("POST /svc/a HTTP/1.1\r\n" + HOST + "Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    assertThat(reply.text()).doesNotContain("100 Continue");
    assertRefused(reply, 413);
    assertThat(seen).isEmpty();
  }

  @Test
  void expectContinueWithinTheLimitIsAnsweredByTheGateway() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("POST /svc/a HTTP/1.1\r\n" + HOST + "Connection: close\r\nContent-Length: 3\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      byte[] buf = new byte[25];
      int n = s.getInputStream().readNBytes(buf, 0, 25);
      assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 100 Continue\r\n");
      s.getOutputStream().write("abc".getBytes(StandardCharsets.ISO_8859_1));
      String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(rest).contains("HTTP/1.1 200");
      assertThat(rest).contains("\"body\":\"abc\"");
    }
    assertThat(seenHeaders).doesNotContain("expect");
  }

  @Test
  void chunkedBodyOverTheLimitGets413() {
    String chunk = Integer.toHexString(600) + "\r\n" + "x".repeat(600) + "\r\n";
    RawHttp.Reply reply = send("POST /svc/a HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n" + chunk + chunk
        + "0\r\n\r\n");
    assertRefused(reply, 413);
    RawHttp.Reply ok = send("POST /svc/a HTTP/1.1\r\n" + HOST + "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunk + "0\r\n\r\n");
    assertThat(ok.status()).isEqualTo(200);
  }

  @Test
  void h2cUpgradeIsServedAsHttp11AndNeverForwarded() {
    RawHttp.Reply reply = RawHttp.send(gateway.port(), ("GET /svc/a HTTP/1.1\r\n" + HOST
        + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(2));
    assertThat(reply.text()).startsWith("HTTP/1.1 200 OK").doesNotContain("101 Switching");
    assertThat(seenHeaders).doesNotContain("upgrade", "http2-settings");
    assertThat(seen).containsExactly("GET /a");
    RawHttp.Reply noSettings = RawHttp.send(gateway.port(), ("GET /svc/b HTTP/1.1\r\n" + HOST
        + "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(2));
    assertThat(noSettings.status()).isEqualTo(200);
    assertThat(seenHeaders).doesNotContain("upgrade", "http2-settings");
  }

  @Test
  void errorsDoNotLeakInternals() {
    RawHttp.Reply reply = send("POST /svc/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    assertThat(reply.body()).doesNotContain("Exception", "Multiple", "netty", "vertx", "127.0.0.1");
  }

  /** Turns the \r, \n, \t and \u0000 escapes of the CSV cases into the bytes. */
  private static String unescape(String s) {
    return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\u0000", "\u0000")
        .replace("\\u00e9", "\u00e9");
  }
}
