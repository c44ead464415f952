package io.datapunk.nexus.config;

import java.time.Duration;

/**
 * Upstream connection pooling ({@code network_optimization.connection_pooling:}), applied to each
 * service's pool.
 *
 * @param enabled keep-alive pooling on (default true); off opens one connection per request
 * @param minSize connections opened to each service at start (default 10)
 * @param maxSize cap of open connections per service (default 100)
 * @param maxWaitQueue requests allowed to wait for a connection when all are busy; beyond it 503 at once (default 1000)
 * @param idleTimeout an idle pooled connection is closed after this (default 4s: under the 5s keep-alive of
 *     Node.js and Apache and the 60-75s of NGINX, so the gateway always closes first); 1s to 1h, applied
 *     in whole seconds rounded down, so the gateway never closes later than configured
 * @param connectTimeout TCP connect timeout (default 2s)
 */
public record PoolConfig(boolean enabled, int minSize, int maxSize, int maxWaitQueue, Duration idleTimeout,
                         Duration connectTimeout) {
  public static final int DEFAULT_MIN_SIZE = 10;
  public static final int DEFAULT_MAX_SIZE = 100;
  public static final int DEFAULT_MAX_WAIT_QUEUE = 1000;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(4);
  /** The pool's clock counts whole seconds, so shorter settings cannot be honoured. */
  public static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration MAX_IDLE_TIMEOUT = Duration.ofHours(1);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  public static PoolConfig defaults() {
    return new PoolConfig(true, DEFAULT_MIN_SIZE, DEFAULT_MAX_SIZE, DEFAULT_MAX_WAIT_QUEUE, DEFAULT_IDLE_TIMEOUT,
        DEFAULT_CONNECT_TIMEOUT);
  }

  static PoolConfig read(ConfigSection s) {
    boolean enabled = s.bool("enabled", true);
    int min = s.integer("min_size", DEFAULT_MIN_SIZE, 0, 10_000);
    int max = s.integer("max_size", DEFAULT_MAX_SIZE, 1, 10_000);
    if (min > max) {
      s.error("min_size", Integer.toString(min), "<= max_size (" + max + ")");
    }
    PoolConfig c = new PoolConfig(enabled, min, max,
        s.integer("max_wait_queue", DEFAULT_MAX_WAIT_QUEUE, 0, 1_000_000),
        s.duration("idle_timeout", DEFAULT_IDLE_TIMEOUT, MIN_IDLE_TIMEOUT, MAX_IDLE_TIMEOUT),
        s.duration("connect_timeout", DEFAULT_CONNECT_TIMEOUT, false));
    s.finish();
    return c;
  }
}
