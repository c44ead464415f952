package io.datapunk.nexus.config;

import java.time.Duration;
import java.util.List;

/**
 * The route's circuit breaker ({@code circuit_breaker:}, Resilience4j). It counts each client request
 * once, after its retries, and has no timeout of its own: the route's {@code timeout} ends calls.
 *
 * @param enabled default true
 * @param failureRateThreshold percentage of failed calls in the window that opens the breaker (default 50)
 * @param slowCallRateThreshold percentage of slow calls that opens it (default 100: only failures open it)
 * @param slowCallDuration a call slower than this is slow (default: the route's timeout)
 * @param windowType {@code count} (the last {@code window_size} calls) or {@code time} (the last
 *     {@code window_size} seconds); default count
 * @param windowSize default 20
 * @param minimumCalls calls in the window before the rates apply (default 10)
 * @param waitInOpen time the breaker stays open before letting probes through (default 30s)
 * @param halfOpenCalls probe calls let through when half-open; it closes when their failure rate is
 *     under the threshold (default 3)
 * @param failureStatuses service answers counted as failures (default 500, 502, 503, 504); connection
 *     failures, resets and timeouts always count
 */
public record BreakerConfig(boolean enabled, float failureRateThreshold, float slowCallRateThreshold,
                            Duration slowCallDuration, String windowType, int windowSize, int minimumCalls,
                            Duration waitInOpen, int halfOpenCalls, List<Integer> failureStatuses) {
  public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50;
  public static final float DEFAULT_SLOW_CALL_RATE_THRESHOLD = 100;
  public static final int DEFAULT_WINDOW_SIZE = 20;
  public static final int DEFAULT_MINIMUM_CALLS = 10;
  public static final Duration DEFAULT_WAIT_IN_OPEN = Duration.ofSeconds(30);
  public static final int DEFAULT_HALF_OPEN_CALLS = 3;
  public static final List<Integer> DEFAULT_FAILURE_STATUSES = List.of(500, 502, 503, 504);

  public static BreakerConfig defaults() {
    return new BreakerConfig(true, DEFAULT_FAILURE_RATE_THRESHOLD, DEFAULT_SLOW_CALL_RATE_THRESHOLD, null, "count",
        DEFAULT_WINDOW_SIZE, DEFAULT_MINIMUM_CALLS, DEFAULT_WAIT_IN_OPEN, DEFAULT_HALF_OPEN_CALLS,
        DEFAULT_FAILURE_STATUSES);
  }

  static BreakerConfig read(ConfigSection s) {
    BreakerConfig c = new BreakerConfig(
        s.bool("enabled", true),
        (float) s.number("failure_rate_threshold", DEFAULT_FAILURE_RATE_THRESHOLD, 1, 100),
        (float) s.number("slow_call_rate_threshold", DEFAULT_SLOW_CALL_RATE_THRESHOLD, 1, 100),
        s.duration("slow_call_duration", null, false),
        s.oneOf("window_type", "count", "count", "time"),
        s.integer("window_size", DEFAULT_WINDOW_SIZE, 1, 100_000),
        s.integer("minimum_calls", DEFAULT_MINIMUM_CALLS, 1, 100_000),
        s.duration("wait_in_open", DEFAULT_WAIT_IN_OPEN, false),
        s.integer("half_open_calls", DEFAULT_HALF_OPEN_CALLS, 1, 10_000),
        s.integerList("failure_statuses", DEFAULT_FAILURE_STATUSES, 100, 599));
    s.finish();
    return c;
  }
}
