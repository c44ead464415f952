package io.datapunk.nexus.config;

import java.time.Duration;
import java.util.List;

/**
 * How a route retries ({@code retry:}); the number of retries is the proposal's {@code retry_attempts}.
 *
 * @param statuses service answers that are retried (default 502, 503, 504); connection failures and
 *     resets before the answer are always retryable
 * @param nonIdempotent also retry POST and PATCH after the request was sent (default false; a request
 *     that never reached the service, because the connection failed, is retried whatever its method)
 * @param backoff the first retry waits a random time up to this (default 25ms); each next one up to
 *     twice as long (exponential backoff, full jitter)
 * @param maxBackoff the cap of that doubling (default 250ms)
 * @param budget retries may be at most this share of the route's requests over the last 10 seconds
 *     (default 0.2), plus {@code min_retries_per_second}
 * @param minRetriesPerSecond retries always allowed, so a quiet route can still retry (default 10)
 * @param maxReplayBody request bodies up to this size are kept so a retry can send them again
 *     (default 64kb); larger bodies are streamed and their requests never retried once sent
 */
public record RetryConfig(List<Integer> statuses, boolean nonIdempotent, Duration backoff, Duration maxBackoff,
                          double budget, int minRetriesPerSecond, long maxReplayBody) {
  public static final List<Integer> DEFAULT_STATUSES = List.of(502, 503, 504);
  public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMillis(250);
  public static final double DEFAULT_BUDGET = 0.2;
  public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;
  public static final long DEFAULT_MAX_REPLAY_BODY = 64 * 1024;
  /** Largest accepted {@code max_replay_body}: bodies kept for replay live on the heap. */
  public static final long MAX_MAX_REPLAY_BODY = 16L << 20;

  public static RetryConfig defaults() {
    return new RetryConfig(DEFAULT_STATUSES, false, DEFAULT_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_BUDGET,
        DEFAULT_MIN_RETRIES_PER_SECOND, DEFAULT_MAX_REPLAY_BODY);
  }

  static RetryConfig read(ConfigSection s) {
    RetryConfig c = new RetryConfig(
        s.integerList("statuses", DEFAULT_STATUSES, 100, 599),
        s.bool("non_idempotent", false),
        s.duration("backoff", DEFAULT_BACKOFF, true),
        s.duration("max_backoff", DEFAULT_MAX_BACKOFF, true),
        s.number("budget", DEFAULT_BUDGET, 0, 10),
        s.integer("min_retries_per_second", DEFAULT_MIN_RETRIES_PER_SECOND, 0, 100_000),
        s.size("max_replay_body", DEFAULT_MAX_REPLAY_BODY, 0, MAX_MAX_REPLAY_BODY));
    if (c.maxBackoff().compareTo(c.backoff()) < 0) {
      s.error("max_backoff", Units.describe(c.maxBackoff()), ">= backoff (" + Units.describe(c.backoff()) + ")");
    }
    s.finish();
    return c;
  }
}
