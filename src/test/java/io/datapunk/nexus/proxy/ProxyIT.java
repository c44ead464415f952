package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.RawHttp;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routing, transformation, header handling, bodies and error answers through a real gateway and real upstreams. */
class ProxyIT {
  static TestUpstream lake;
  static TestUpstream stream;
  static GatewayFixture nexus;
  static int closedPort;

  @BeforeAll
  static void start() throws Exception {
    lake = TestUpstream.start();
    stream = TestUpstream.start();
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    nexus = GatewayFixture.start("""
        service_routes:
          lake:
            prefix: /storage
            service_url: ${LAKE}
          stream:
            prefix: /stream
            service_url: ${STREAM}/base
          gone:
            prefix: /gone
            service_url: http://127.0.0.1:${CLOSED}
          slow:
            prefix: /slow
            service_url: ${LAKE}
            timeout: 300ms
          kept:
            prefix: /keep
            strip_prefix: false
            service_url: ${LAKE}
          versioned:
            prefix: /v1/items
            service_url: ${LAKE}
            rewrite:
              prefix: /api/items
              regex: "^/api/items/([0-9]+)$"
              replacement: "/api/item/$1/detail"
          transformed:
            prefix: /t
            service_url: ${LAKE}
            request_headers:
              remove: [X-Drop-Me]
              set: {X-Set: set-value}
              add: {X-Added: added-value}
            response_headers:
              remove: [X-Upstream-Secret]
              set: {X-Frame-Options: DENY}
              add: {X-Gateway: nexus}
            query:
              remove: [debug, token]
              add: {source: nexus gw}
        network_optimization:
          connection_pooling: {min_size: 0}
        """, Map.of("LAKE", lake.url(), "STREAM", stream.url(), "CLOSED", Integer.toString(closedPort)));
  }

  @AfterAll
  static void stop() {
    nexus.close();
    lake.close();
    stream.close();
  }

  private static JsonObject echoed(HttpResponse<String> r) {
    assertThat(r.statusCode()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  @Test
  void routesByPrefixAndStripsIt() {
    int lakeBefore = lake.requests.get();
    JsonObject e = echoed(nexus.get("/storage/items?x=1"));
    assertThat(e.getString("path")).isEqualTo("/items");
    assertThat(e.getString("query")).isEqualTo("x=1");
    assertThat(lake.requests.get()).isEqualTo(lakeBefore + 1);

    JsonObject s = echoed(nexus.get("/stream/events/7"));
    assertThat(s.getString("uri")).isEqualTo("/base/events/7");
    assertThat(echoed(nexus.get("/storage")).getString("path")).isEqualTo("/");
    assertThat(echoed(nexus.get("/keep/a/b")).getString("path")).isEqualTo("/keep/a/b");
  }

  @Test
  void rewritesThePathByPrefixAndRegex() {
    assertThat(echoed(nexus.get("/v1/items/42")).getString("path")).isEqualTo("/api/item/42/detail");
    assertThat(echoed(nexus.get("/v1/items/list")).getString("path")).isEqualTo("/api/items/list");
  }

  @Test
  void noRouteIs404InTheErrorFormat() {
    HttpResponse<String> r = nexus.get("/storagex/items");
    assertErrorBody(r, 404, "not_found");
  }

  @Test
  void transformsRequestHeadersAndQuery() {
    HttpResponse<String> r = nexus.send(HttpRequest.newBuilder(nexus.uri("/t/q?a=1&debug=true&token=s3cr3t&b=2&debug=2"))
        .header("X-Drop-Me", "x").header("X-Set", "client-value").header("X-Added", "client-value").build());
    JsonObject e = echoed(r);
    JsonObject h = e.getJsonObject("headers");
    assertThat(h.getString("x-drop-me")).isNull();
    assertThat(h.getString("x-set")).isEqualTo("set-value");
    assertThat(h.getString("x-added")).isEqualTo("client-value,added-value");
    assertThat(e.getString("query")).isEqualTo("a=1&b=2&source=nexus%20gw");
  }

  @Test
  void transformsResponseHeaders() {
    lake.handler(req -> {
      if (req.path().equals("/resp")) {
        req.response().putHeader("X-Upstream-Secret", "internal").putHeader("X-Frame-Options", "SAMEORIGIN")
            .putHeader("X-Gateway", "upstream").end("ok");
      } else {
        TestUpstream.echo(req);
      }
    });
    try {
      HttpResponse<String> r = nexus.get("/t/resp");
      assertThat(r.body()).isEqualTo("ok");
      assertThat(r.headers().firstValue("x-upstream-secret")).isEmpty();
      assertThat(r.headers().allValues("x-frame-options")).containsExactly("DENY");
      assertThat(r.headers().allValues("x-gateway")).containsExactly("upstream", "nexus");
    } finally {
      lake.handler(TestUpstream::echo);
    }
  }

  @Test
  void removesHopByHopHeadersBothWays() throws Exception {
    lake.handler(req -> {
      if (req.path().equals("/hop")) {
        req.response().putHeader("Connection", "X-Upstream-Hop").putHeader("X-Upstream-Hop", "1")
            .putHeader("Keep-Alive", "timeout=5").putHeader("Proxy-Authenticate", "Basic")
            .putHeader("X-End-To-End", "kept").end("hop");
      } else {
        TestUpstream.echo(req);
      }
    });
    try {
      String raw = RawHttp.exchange(nexus.port(), "GET /storage/echo HTTP/1.1\r\nHost: gw.example\r\n"
          + "Connection: close, X-Secret-Hop\r\nX-Secret-Hop: s\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\n"
          + "Proxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\nUpgrade: websocket-nope\r\n"
          + "X-Normal: n\r\n\r\n");
      JsonObject h = new JsonObject(RawHttp.body(raw)).getJsonObject("headers");
      assertThat(h.fieldNames()).doesNotContain("x-secret-hop", "keep-alive", "te", "proxy-authorization",
          "proxy-connection", "upgrade", "connection");
      assertThat(h.getString("x-normal")).isEqualTo("n");

      HttpResponse<String> r = nexus.get("/storage/hop");
      assertThat(r.headers().map().keySet()).doesNotContain("x-upstream-hop", "keep-alive", "proxy-authenticate");
      assertThat(r.headers().firstValue("x-end-to-end")).contains("kept");
    } finally {
      lake.handler(TestUpstream::echo);
    }
  }

  @Test
  void setsForwardingHeaders() throws Exception {
    String raw = RawHttp.exchange(nexus.port(), "GET /storage/f HTTP/1.1\r\nHost: api.datapunk.example\r\n"
        + "X-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n");
    JsonObject h = new JsonObject(RawHttp.body(raw)).getJsonObject("headers");
    assertThat(h.getString("x-forwarded-for")).isEqualTo("203.0.113.7, 127.0.0.1");
    assertThat(h.getString("x-forwarded-proto")).isEqualTo("http");
    assertThat(h.getString("x-forwarded-host")).isEqualTo("api.datapunk.example");
    assertThat(h.getString("forwarded")).isEqualTo("for=127.0.0.1;host=\"api.datapunk.example\";proto=http");
    assertThat(h.getString("host")).isEqualTo("127.0.0.1:" + lake.port());
  }

  @Test
  void takesAWellFormedRequestIdAndReplacesABadOne() {
    HttpResponse<String> given = nexus.send(HttpRequest.newBuilder(nexus.uri("/storage/id"))
        .header("X-Request-Id", "client-id_1.2:3").build());
    assertThat(given.headers().firstValue("x-request-id")).contains("client-id_1.2:3");
    assertThat(echoed(given).getJsonObject("headers").getString("x-request-id")).isEqualTo("client-id_1.2:3");

    for (String bad : new String[] {"has space", "x".repeat(129), "semi;colon"}) {
      HttpResponse<String> r = nexus.send(HttpRequest.newBuilder(nexus.uri("/storage/id"))
          .header("X-Request-Id", bad).build());
      String id = r.headers().firstValue("x-request-id").orElseThrow();
      assertThat(id).matches("[0-9a-f]{32}");
      assertThat(echoed(r).getJsonObject("headers").getString("x-request-id")).isEqualTo(id);
    }
    String atLimit = "y".repeat(128);
    assertThat(nexus.send(HttpRequest.newBuilder(nexus.uri("/storage/id")).header("X-Request-Id", atLimit).build())
        .headers().firstValue("x-request-id")).contains(atLimit);
  }

  @Test
  void carriesChunkedBodiesBothWays() throws Exception {
    lake.handler(req -> {
      if (req.path().equals("/chunks")) {
        StringBuilder seen = new StringBuilder();
        String te = String.valueOf(req.getHeader("transfer-encoding"));
        req.handler(b -> seen.append(b.toString()));
        req.endHandler(v -> {
          req.response().setChunked(true);
          req.response().write("te=" + te + ";");
          req.response().write("got=" + seen + ";");
          req.response().end("end");
        });
      } else {
        TestUpstream.echo(req);
      }
    });
    try {
      String raw = RawHttp.exchange(nexus.port(), "POST /storage/chunks HTTP/1.1\r\nHost: x\r\n"
          + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      assertThat(raw).startsWith("HTTP/1.1 200");
      assertThat(raw.toLowerCase()).contains("transfer-encoding: chunked");
      assertThat(RawHttp.body(raw)).isEqualTo("te=chunked;got=hello world;end");
    } finally {
      lake.handler(TestUpstream::echo);
    }
  }

  @Test
  void keepsFixedLengthBodiesFixedLength() {
    String payload = "x".repeat(10_000);
    HttpResponse<String> r = nexus.send(HttpRequest.newBuilder(nexus.uri("/storage/put"))
        .PUT(HttpRequest.BodyPublishers.ofString(payload)).build());
    JsonObject e = echoed(r);
    assertThat(e.getString("body")).isEqualTo(payload);
    assertThat(e.getJsonObject("headers").getString("content-length")).isEqualTo("10000");
    assertThat(e.getJsonObject("headers").getString("transfer-encoding")).isNull();
    assertThat(r.headers().firstValue("content-length")).isPresent();
  }

  @Test
  void aConnectionResetBeforeTheAnswerIs502() {
    lake.handler(req -> req.connection().close());
    try {
      HttpResponse<String> r = nexus.send(HttpRequest.newBuilder(nexus.uri("/storage/reset"))
          .POST(HttpRequest.BodyPublishers.ofString("payload")).build());
      assertErrorBody(r, 502, "service_down");
      assertThat(r.body()).contains("The lake service is not reachable.");
    } finally {
      lake.handler(TestUpstream::echo);
    }
  }

  @Test
  void theAdminPortAnswersHealthAndTheDataPortDoesNot() {
    HttpResponse<String> live = nexus.send(HttpRequest.newBuilder(nexus.adminUri("/health/live")).build());
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).contains("\"up\"");
    assertThat(nexus.send(HttpRequest.newBuilder(nexus.adminUri("/health/ready")).build()).statusCode()).isEqualTo(200);
    assertErrorBody(nexus.get("/health/ready"), 404, "not_found");
  }

  @Test
  void refusedConnectionIs502() {
    assertErrorBody(nexus.get("/gone/x"), 502, "service_down");
  }

  @Test
  void noAnswerWithinTheRouteTimeoutIs504() {
    lake.handler(req -> {
      if (!req.path().equals("/hang")) {
        TestUpstream.echo(req);
      }
    });
    try {
      HttpResponse<String> r = nexus.get("/slow/hang");
      assertErrorBody(r, 504, "timeout");
      assertThat(r.body()).contains("The slow service did not answer in time.");
    } finally {
      lake.handler(TestUpstream::echo);
    }
  }

  @Test
  void upstreamStatusesPassThroughUntouched() {
    lake.handler(req -> req.response().setStatusCode(503).putHeader("Retry-After", "7").end("lake is busy"));
    try {
      HttpResponse<String> r = nexus.get("/storage/x");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("lake is busy");
      assertThat(r.headers().firstValue("retry-after")).contains("7");
    } finally {
      lake.handler(TestUpstream::echo);
    }
  }

  static void assertErrorBody(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    String id = r.headers().firstValue("x-request-id").orElseThrow();
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("status", "code", "message", "request_id");
    assertThat(error.getInteger("status")).isEqualTo(status);
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("request_id")).isEqualTo(id);
    assertThat(r.body()).doesNotContain("127.0.0.1", "Exception", "at io.", "vertx", "netty");
  }
}
