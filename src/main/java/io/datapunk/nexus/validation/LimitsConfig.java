package io.datapunk.nexus.validation;

import io.datapunk.nexus.config.ConfigSection;

/**
 * Request limits checked at the edge ({@code security.limits:}); the request-line and header-block
 * sizes are {@code server.max_initial_line_length} and {@code server.max_header_size}.
 *
 * @param maxHeaderCount most header fields in one request (default 100; more gets 431)
 * @param maxBodySize largest request body in bytes (default 1gb: bodies are streamed, never held; larger gets 413 before any of it
 *     is read; a route may set its own {@code max_body_size})
 */
public record LimitsConfig(int maxHeaderCount, long maxBodySize) {
  public static final int DEFAULT_MAX_HEADER_COUNT = 100;
  public static final long DEFAULT_MAX_BODY_SIZE = 1L << 30;
  public static final LimitsConfig DEFAULTS = new LimitsConfig(DEFAULT_MAX_HEADER_COUNT, DEFAULT_MAX_BODY_SIZE);

  public static LimitsConfig read(ConfigSection s) {
    LimitsConfig c = new LimitsConfig(s.integer("max_header_count", DEFAULT_MAX_HEADER_COUNT, 1, 10_000),
        s.size("max_body_size", DEFAULT_MAX_BODY_SIZE, 0, Long.MAX_VALUE / 2));
    s.finish();
    return c;
  }
}
