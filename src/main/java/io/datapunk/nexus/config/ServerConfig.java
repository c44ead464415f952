package io.datapunk.nexus.config;

import java.time.Duration;

/**
 * The data-plane listener ({@code server:}).
 *
 * @param host address to bind (default 0.0.0.0)
 * @param port data port (default 8000; 0 picks a free port)
 * @param eventLoops event-loop threads (default: available processors)
 * @param idleTimeout client connections idle this long are closed (default 60s)
 * @param maxInitialLineLength longest request line accepted (default 8192 bytes; longer gets 414)
 * @param maxHeaderSize largest header block accepted (default 16384 bytes; larger gets 431)
 * @param maxRequestsPerConnection requests served on one client connection before it is closed gracefully
 *     ({@code Connection: close} on HTTP/1.1, GOAWAY on HTTP/2); default 1000, 0 for no limit
 * @param tls HTTPS on the data port ({@code server.tls:})
 * @param http2 HTTP/2 from clients ({@code server.http2:})
 * @param drainTimeout on SIGTERM, how long requests in flight and on open connections are still served
 *     before the rest is cut (default 30s, at most 1h; 0 closes at once)
 */
public record ServerConfig(String host, int port, int eventLoops, Duration idleTimeout, int maxInitialLineLength,
                           int maxHeaderSize, int maxRequestsPerConnection, TlsConfig tls, Http2Config http2,
                           Duration drainTimeout) {
  public static final int DEFAULT_PORT = 8000;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_INITIAL_LINE = 8192;
  public static final int DEFAULT_MAX_HEADER_SIZE = 16384;
  public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 1000;
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration MAX_DRAIN_TIMEOUT = Duration.ofHours(1);

  static ServerConfig read(ConfigSection s) {
    ServerConfig c = new ServerConfig(
        s.string("host", "0.0.0.0"),
        s.integer("port", DEFAULT_PORT, 0, 65535),
        s.integer("event_loops", Runtime.getRuntime().availableProcessors(), 1, 256),
        s.duration("idle_timeout", DEFAULT_IDLE_TIMEOUT, false),
        s.integer("max_initial_line_length", DEFAULT_MAX_INITIAL_LINE, 256, 1 << 20),
        s.integer("max_header_size", DEFAULT_MAX_HEADER_SIZE, 1024, 1 << 20),
        s.integer("max_requests_per_connection", DEFAULT_MAX_REQUESTS_PER_CONNECTION, 0, Integer.MAX_VALUE),
        TlsConfig.read(s.section("tls")),
        Http2Config.read(s.section("http2")),
        s.duration("drain_timeout", DEFAULT_DRAIN_TIMEOUT, MAX_DRAIN_TIMEOUT));
    s.finish();
    return c;
  }
}
