package io.datapunk.nexus.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config keys of compression, TLS, HTTP/2, keep-alive and per-route streaming: defaults and limits. */
class NetworkConfigTest {
  private static final String ROUTE = "service_routes:\n  lake:\n    prefix: /storage\n    service_url: http://lake:8001\n";

  private static NexusConfig parse(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
  }

  private static void assertError(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void theProposalsBlockGivesGzipFirstWithBrotliAndZstdOffered() {
    NexusConfig c = parse(ROUTE + "network_optimization:\n  compression:\n    enabled: true\n    algorithm: \"gzip\"\n    min_size: 1024\n");
    CompressionConfig z = c.compression();
    assertThat(z.enabled()).isTrue();
    assertThat(z.algorithm()).isEqualTo("gzip");
    assertThat(z.minSize()).isEqualTo(1024);
    assertThat(z.algorithms()).containsExactly("gzip", "br", "zstd");
    assertThat(z.level()).isEqualTo(1);
    assertThat(z.contentTypes()).contains("application/json", "text/html");
  }

  @Test
  void compressionLevelLimits() {
    assertThat(parse(ROUTE + "network_optimization:\n  compression:\n    level: 9\n").compression().level()).isEqualTo(9);
    assertThat(parse(ROUTE + "network_optimization:\n  compression:\n    level: 1\n").compression().level()).isEqualTo(1);
    assertError(ROUTE + "network_optimization:\n  compression:\n    level: 10\n",
        "network_optimization.compression.level: 10 (expected: an integer from 1 to 9)");
    assertError(ROUTE + "network_optimization:\n  compression:\n    level: 0\n",
        "network_optimization.compression.level: 0");
  }

  @Test
  void poolIdleTimeoutLimits() {
    String pool = ROUTE + "network_optimization:\n  connection_pooling:\n    idle_timeout: ";
    assertThat(parse(ROUTE).pool().idleTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(parse(pool + "1s\n").pool().idleTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(parse(pool + "1h\n").pool().idleTimeout()).isEqualTo(Duration.ofHours(1));
    assertError(pool + "999ms\n", "network_optimization.connection_pooling.idle_timeout: 999ms (expected: a duration from 1s to 1h");
    assertError(pool + "3601s\n", "network_optimization.connection_pooling.idle_timeout: 3601s");
  }

  @Test
  void algorithmsAndContentTypesAreChecked() {
    CompressionConfig z = parse(ROUTE + "network_optimization:\n  compression:\n    algorithm: zstd\n    algorithms: [zstd, gzip]\n"
        + "    content_types: [application/json, text/*, application/*+json]\n").compression();
    assertThat(z.algorithm()).isEqualTo("zstd");
    assertThat(z.contentTypes()).containsExactly("application/json", "text/*", "application/*+json");
    assertError(ROUTE + "network_optimization:\n  compression:\n    algorithm: deflate\n",
        "network_optimization.compression.algorithm: deflate (expected: one of gzip, br, zstd)");
    assertError(ROUTE + "network_optimization:\n  compression:\n    algorithms: [gzip, lz4]\n",
        "network_optimization.compression.algorithms: lz4");
    assertError(ROUTE + "network_optimization:\n  compression:\n    algorithm: br\n    algorithms: [gzip]\n",
        "network_optimization.compression.algorithm: br (expected: one of algorithms [gzip])");
    assertError(ROUTE + "network_optimization:\n  compression:\n    content_types: [json]\n",
        "network_optimization.compression.content_types: json");
    assertError(ROUTE + "network_optimization:\n  compression:\n    content_types: [text/event-stream]\n",
        "server-sent events are never compressed");
  }

  @Test
  void minSizeAcceptsZeroAndSizes() {
    assertThat(parse(ROUTE + "network_optimization:\n  compression:\n    min_size: 0\n").compression().minSize()).isZero();
    assertThat(parse(ROUTE + "network_optimization:\n  compression:\n    min_size: 2kb\n").compression().minSize()).isEqualTo(2048);
    assertError(ROUTE + "network_optimization:\n  compression:\n    min_size: -1\n", "network_optimization.compression.min_size: -1");
  }

  @Test
  void serverDefaults() {
    ServerConfig s = parse(ROUTE).server();
    assertThat(s.maxRequestsPerConnection()).isEqualTo(1000);
    assertThat(s.tls().enabled()).isFalse();
    assertThat(s.http2()).isEqualTo(Http2Config.defaults());
  }

  @Test
  void keepAliveLimit() {
    assertThat(parse(ROUTE + "server:\n  max_requests_per_connection: 0\n").server().maxRequestsPerConnection()).isZero();
    assertThat(parse(ROUTE + "server:\n  max_requests_per_connection: 1\n").server().maxRequestsPerConnection()).isEqualTo(1);
    assertError(ROUTE + "server:\n  max_requests_per_connection: -1\n", "server.max_requests_per_connection: -1");
  }

  @Test
  void http2Limits() {
    Http2Config h = parse(ROUTE + "server:\n  http2:\n    max_concurrent_streams: 1\n    max_header_list_size: 1024\n"
        + "    initial_window_size: 65535\n    connection_window_size: 16mb\n    max_resets_per_window: 1\n    reset_window: 1s\n"
        + "    cleartext: true\n").server().http2();
    assertThat(h.maxConcurrentStreams()).isEqualTo(1);
    assertThat(h.maxHeaderListSize()).isEqualTo(1024);
    assertThat(h.initialWindowSize()).isEqualTo(65535);
    assertThat(h.connectionWindowSize()).isEqualTo(16 << 20);
    assertThat(h.maxResetsPerWindow()).isEqualTo(1);
    assertThat(h.resetWindow()).isEqualTo(Duration.ofSeconds(1));
    assertThat(h.cleartext()).isTrue();
    assertError(ROUTE + "server:\n  http2:\n    max_concurrent_streams: 0\n", "server.http2.max_concurrent_streams: 0");
    assertError(ROUTE + "server:\n  http2:\n    max_header_list_size: 1023\n", "server.http2.max_header_list_size: 1023");
    assertError(ROUTE + "server:\n  http2:\n    initial_window_size: 65534\n", "server.http2.initial_window_size: 65534");
    assertError(ROUTE + "server:\n  http2:\n    connection_window_size: 65534\n", "server.http2.connection_window_size: 65534");
    assertError(ROUTE + "server:\n  http2:\n    max_resets_per_window: 0\n", "server.http2.max_resets_per_window: 0");
    assertError(ROUTE + "server:\n  http2:\n    reset_window: 999ms\n", "server.http2.reset_window: 999ms (expected: >= 1s");
    assertError(ROUTE + "server:\n  http2:\n    pings: 3\n", "server.http2.pings: unknown key");
  }

  @Test
  void tlsNeedsReadablePemFiles(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
    Path key = Files.writeString(dir.resolve("key.pem"), "x");
    TlsConfig t = parse(ROUTE + "server:\n  tls:\n    enabled: true\n    cert: " + cert + "\n    key: " + key + "\n").server().tls();
    assertThat(t.enabled()).isTrue();
    assertThat(t.cert()).isEqualTo(cert);
    assertError(ROUTE + "server:\n  tls:\n    enabled: true\n", "server.tls.cert: missing");
    assertError(ROUTE + "server:\n  tls:\n    enabled: true\n    cert: " + dir.resolve("none.pem") + "\n    key: " + key + "\n",
        "server.tls.cert: " + dir.resolve("none.pem") + " (expected: a readable PEM file)");
  }

  @Test
  void routeIdleTimeoutAndHttpVersion() {
    RouteConfig r = parse(ROUTE).routes().get(0);
    assertThat(r.idleTimeout()).isEqualTo(RouteConfig.DEFAULT_IDLE_TIMEOUT).isEqualTo(Duration.ofSeconds(60));
    assertThat(r.http2()).isFalse();
    RouteConfig set = parse(ROUTE + "    idle_timeout: 1ms\n    http_version: 2\n").routes().get(0);
    assertThat(set.idleTimeout()).isEqualTo(Duration.ofMillis(1));
    assertThat(set.http2()).isTrue();
    assertError(ROUTE + "    idle_timeout: 0\n", "service_routes.lake.idle_timeout: 0");
    assertError(ROUTE + "    http_version: 3\n", "service_routes.lake.http_version: 3 (expected: one of 1.1, 2)");
  }
}
