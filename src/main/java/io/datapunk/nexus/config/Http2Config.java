package io.datapunk.nexus.config;

import java.time.Duration;

/**
 * HTTP/2 from clients ({@code server.http2:}): over TLS by ALPN, and in clear text (h2c) with prior
 * knowledge or an {@code Upgrade: h2c}.
 *
 * @param enabled offer {@code h2} by ALPN when {@code server.tls} is on (default true)
 * @param cleartext accept h2c on a plain listener (default false: with it on, Vert.x builds the HTTP/1
 *     pipeline only after the first request is decoded, too late for the strict HTTP/1 decoder of
 *     {@code validation.Http1Guard}, so Content-Length with Transfer-Encoding and obs-fold are then
 *     not refused)
 * @param maxConcurrentStreams streams one connection may have open at once (default 100); more are refused
 * @param maxHeaderListSize largest header list accepted, decoded, in bytes (default 16384)
 * @param initialWindowSize flow-control window of each stream, bytes (default 65535, the protocol's)
 * @param connectionWindowSize flow-control window of the whole connection, bytes (default 1048576)
 * @param maxResetsPerWindow stream resets (RST_STREAM) a connection may cause per {@code resetWindow};
 *     beyond it the connection is closed with ENHANCE_YOUR_CALM: the rapid-reset (CVE-2023-44487)
 *     guard (default 200)
 * @param resetWindow the window of {@code maxResetsPerWindow} (default 30s)
 */
public record Http2Config(boolean enabled, boolean cleartext, int maxConcurrentStreams, int maxHeaderListSize,
                          int initialWindowSize, int connectionWindowSize, int maxResetsPerWindow, Duration resetWindow) {
  public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
  public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 16384;
  public static final int DEFAULT_INITIAL_WINDOW_SIZE = 65535;
  public static final int DEFAULT_CONNECTION_WINDOW_SIZE = 1 << 20;
  public static final int DEFAULT_MAX_RESETS_PER_WINDOW = 200;
  public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);
  private static final int MAX_WINDOW = Integer.MAX_VALUE;

  public static Http2Config defaults() {
    return new Http2Config(true, false, DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_MAX_HEADER_LIST_SIZE,
        DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_CONNECTION_WINDOW_SIZE, DEFAULT_MAX_RESETS_PER_WINDOW, DEFAULT_RESET_WINDOW);
  }

  static Http2Config read(ConfigSection s) {
    Http2Config c = new Http2Config(
        s.bool("enabled", true),
        s.bool("cleartext", false),
        s.integer("max_concurrent_streams", DEFAULT_MAX_CONCURRENT_STREAMS, 1, 100_000),
        (int) s.size("max_header_list_size", DEFAULT_MAX_HEADER_LIST_SIZE, 1024, 1 << 20),
        (int) s.size("initial_window_size", DEFAULT_INITIAL_WINDOW_SIZE, 65535, MAX_WINDOW),
        (int) s.size("connection_window_size", DEFAULT_CONNECTION_WINDOW_SIZE, 65535, MAX_WINDOW),
        s.integer("max_resets_per_window", DEFAULT_MAX_RESETS_PER_WINDOW, 1, 1_000_000),
        s.duration("reset_window", DEFAULT_RESET_WINDOW, false));
    if (c.resetWindow().toMillis() < 1000) {
      s.error("reset_window", c.resetWindow().toMillis() + "ms", ">= 1s (the guard counts in whole seconds)");
    }
    s.finish();
    return c;
  }
}
