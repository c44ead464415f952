package io.datapunk.nexus.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Response compression through a real gateway and a real upstream server. */
class CompressionIT {
  static TestUpstream upstream;
  static GatewayFixture gateway;
  static final AtomicReference<byte[]> receivedBody = new AtomicReference<>();
  static final AtomicReference<String> receivedEncoding = new AtomicReference<>();

  @BeforeAll
  static void start() {
    upstream = TestUpstream.start().handler(CompressionIT::serve);
    gateway = GatewayFixture.start("""
        server:
          port: 0
          event_loops: 2
          http2:
            cleartext: true
        service_routes:
          lake:
            prefix: /storage
            service_url: ${URL}
        network_optimization:
          connection_pooling:
            min_size: 0
          compression:
            enabled: true
            algorithm: gzip
            min_size: 1024
        """, Map.of("URL", upstream.url()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
  }

  /** /json?size=N, /png?size=N, /gzipped, /range, /stream?size=N, /etag, /no-transform, /upload. */
  static void serve(HttpServerRequest r) {
    int size = r.getParam("size") == null ? 4096 : Integer.parseInt(r.getParam("size"));
    switch (r.path()) {
      case "/json" -> r.response().putHeader("content-type", "application/json; charset=utf-8").end(Buffer.buffer(body(size)));
      case "/png" -> r.response().putHeader("content-type", "image/png").end(Buffer.buffer(body(size)));
      case "/gzipped" -> r.response().putHeader("content-type", "application/json").putHeader("content-encoding", "gzip")
          .end(Buffer.buffer(gzip(body(size))));
      case "/range" -> r.response().setStatusCode(206).putHeader("content-type", "application/json")
          .putHeader("content-range", "bytes 0-" + (size - 1) + "/" + (size * 2)).end(Buffer.buffer(body(size)));
      case "/stream" -> {
        byte[] b = body(size);
        r.response().setChunked(true).putHeader("content-type", "application/x-ndjson");
        for (int off = 0; off < b.length; off += 1000) {
          r.response().write(Buffer.buffer().appendBytes(b, off, Math.min(1000, b.length - off)));
        }
        r.response().end();
      }
      case "/etag" -> r.response().putHeader("content-type", "text/plain").putHeader("etag", "\"v1\"")
          .end(Buffer.buffer(body(size)));
      case "/no-transform" -> r.response().putHeader("content-type", "text/plain")
          .putHeader("cache-control", "public, no-transform").end(Buffer.buffer(body(size)));
      case "/upload" -> r.body().onSuccess(b -> {
        receivedBody.set(b.getBytes());
        receivedEncoding.set(r.getHeader("content-encoding"));
        r.response().end("ok");
      });
      default -> r.response().setStatusCode(404).end();
    }
  }

  static byte[] body(int size) {
    return BodyEncoderTest.sample(size);
  }

  static byte[] gzip(byte[] data) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(out)) {
        g.write(data);
      }
      return out.toByteArray();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<byte[]> get(String path, String acceptEncoding) {
    return send(path, acceptEncoding, "GET");
  }

  static HttpResponse<byte[]> send(String path, String acceptEncoding, String method) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gateway.uri(path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (acceptEncoding != null) {
      b.header("Accept-Encoding", acceptEncoding);
    }
    try {
      return gateway.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  @Test
  void gzipFromTheMinimumSizeOn() throws Exception {
    HttpResponse<byte[]> at = get("/storage/json?size=1024", "gzip, deflate, br, zstd");
    assertThat(at.statusCode()).isEqualTo(200);
    assertThat(header(at, "content-encoding")).isEqualTo("gzip");
    assertThat(header(at, "vary")).isEqualTo("Accept-Encoding");
    assertThat(header(at, "content-length")).isNull();
    assertThat(BodyEncoderTest.decode(ContentCoding.GZIP, at.body())).isEqualTo(body(1024));

    HttpResponse<byte[]> below = get("/storage/json?size=1023", "gzip, deflate, br, zstd");
    assertThat(header(below, "content-encoding")).isNull();
    assertThat(header(below, "content-length")).isEqualTo("1023");
    assertThat(header(below, "vary")).isEqualTo("Accept-Encoding");
    assertThat(below.body()).isEqualTo(body(1023));
  }

  @Test
  void largeBodiesShrinkAndComeBackIdentical() throws Exception {
    HttpResponse<byte[]> r = get("/storage/json?size=262144", "gzip");
    assertThat(header(r, "content-encoding")).isEqualTo("gzip");
    assertThat(r.body().length).isLessThan(262144 / 3);
    assertThat(BodyEncoderTest.decode(ContentCoding.GZIP, r.body())).isEqualTo(body(262144));
  }

  @Test
  void imagesAreNotCompressed() {
    HttpResponse<byte[]> r = get("/storage/png?size=8192", "gzip, br, zstd");
    assertThat(header(r, "content-encoding")).isNull();
    assertThat(header(r, "vary")).isNull();
    assertThat(r.body()).isEqualTo(body(8192));
  }

  @Test
  void bodiesTheServiceEncodedPassUntouched() {
    HttpResponse<byte[]> r = get("/storage/gzipped?size=8192", "br, zstd, gzip");
    assertThat(header(r, "content-encoding")).isEqualTo("gzip");
    assertThat(r.body()).isEqualTo(gzip(body(8192)));
  }

  @Test
  void rangesAreNotCompressed() {
    HttpResponse<byte[]> r = get("/storage/range?size=4096", "gzip");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(header(r, "content-encoding")).isNull();
    assertThat(header(r, "content-range")).isEqualTo("bytes 0-4095/8192");
    assertThat(r.body()).isEqualTo(body(4096));
  }

  @Test
  void brotliAndZstdAreChosenByQValues() throws Exception {
    HttpResponse<byte[]> br = get("/storage/json?size=20000", "gzip;q=0.5, br;q=1.0, zstd;q=0.8");
    assertThat(header(br, "content-encoding")).isEqualTo("br");
    assertThat(BodyEncoderTest.decode(ContentCoding.BROTLI, br.body())).isEqualTo(body(20000));

    HttpResponse<byte[]> zstd = get("/storage/json?size=20000", "gzip;q=0.5, br;q=0.8, zstd");
    assertThat(header(zstd, "content-encoding")).isEqualTo("zstd");
    assertThat(BodyEncoderTest.decode(ContentCoding.ZSTD, zstd.body())).isEqualTo(body(20000));

    // Equal q-values: the configured algorithm (gzip) wins; q=0 is never chosen.
    assertThat(header(get("/storage/json?size=20000", "zstd, br, gzip"), "content-encoding")).isEqualTo("gzip");
    assertThat(header(get("/storage/json?size=20000", "gzip;q=0, br;q=0, zstd;q=0.1"), "content-encoding")).isEqualTo("zstd");
    assertThat(header(get("/storage/json?size=20000", "gzip;q=0"), "content-encoding")).isNull();
  }

  @Test
  void noAcceptEncodingNoCompression() {
    HttpResponse<byte[]> r = get("/storage/json?size=8192", null);
    assertThat(header(r, "content-encoding")).isNull();
    assertThat(header(r, "vary")).isEqualTo("Accept-Encoding");
    assertThat(r.body()).isEqualTo(body(8192));
  }

  @Test
  void headAndNoTransformAreLeftAlone() {
    HttpResponse<byte[]> head = send("/storage/json?size=8192", "gzip", "HEAD");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(header(head, "content-encoding")).isNull();
    HttpResponse<byte[]> noTransform = get("/storage/no-transform?size=8192", "gzip");
    assertThat(header(noTransform, "content-encoding")).isNull();
    assertThat(noTransform.body()).isEqualTo(body(8192));
  }

  @Test
  void streamsOfUnknownLengthAreCompressed() throws Exception {
    HttpResponse<byte[]> r = get("/storage/stream?size=50000", "gzip");
    assertThat(header(r, "content-encoding")).isEqualTo("gzip");
    assertThat(BodyEncoderTest.decode(ContentCoding.GZIP, r.body())).isEqualTo(body(50000));
  }

  @Test
  void strongEtagsBecomeWeakWhenCompressed() {
    assertThat(header(get("/storage/etag?size=4096", "gzip"), "etag")).isEqualTo("W/\"v1\"");
    assertThat(header(get("/storage/etag?size=4096", null), "etag")).isEqualTo("\"v1\"");
  }

  @Test
  void gzipRequestBodiesReachTheServiceUntouched() throws Exception {
    byte[] compressed = gzip(body(10000));
    HttpResponse<String> r = gateway.http.send(HttpRequest.newBuilder(gateway.uri("/storage/upload"))
        .header("Content-Encoding", "gzip").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(compressed)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(receivedEncoding.get()).isEqualTo("gzip");
    assertThat(receivedBody.get()).isEqualTo(compressed);
  }

  @Test
  void http2ResponsesAreCompressedToo() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
          .setHttp2ClearTextUpgrade(false));
      Object[] result = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
              .setPort(gateway.port()).setURI("/storage/json?size=30000").putHeader("accept-encoding", "br"))
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Object[] {resp.version(),
              resp.getHeader("content-encoding"), b.getBytes()})))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(result[0]).isEqualTo(HttpVersion.HTTP_2);
      assertThat(result[1]).isEqualTo("br");
      assertThat(BodyEncoderTest.decode(ContentCoding.BROTLI, (byte[]) result[2])).isEqualTo(body(30000));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void disabledCompressionSendsIdentity() {
    try (GatewayFixture off = GatewayFixture.start("""
        service_routes:
          lake:
            prefix: /storage
            service_url: ${URL}
        network_optimization:
          connection_pooling:
            min_size: 0
          compression:
            enabled: false
        """, Map.of("URL", upstream.url()))) {
      HttpResponse<byte[]> r;
      try {
        r = off.http.send(HttpRequest.newBuilder(off.uri("/storage/json?size=8192")).header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofByteArray());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      assertThat(header(r, "content-encoding")).isNull();
      assertThat(Arrays.equals(r.body(), body(8192))).isTrue();
    }
  }
}
