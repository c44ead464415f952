package io.datapunk.nexus.resilience;

import io.datapunk.nexus.config.RetryConfig;
import io.vertx.core.http.HttpMethod;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a route may retry and how long it waits before each retry. The limits that depend on one
 * request (attempts left, time left, a replayable body) are checked by the caller.
 */
public final class RetryPolicy {
  private final int attempts;
  private final boolean[] statuses = new boolean[600];
  private final boolean nonIdempotent;
  private final long backoffNanos;
  private final long maxBackoffNanos;
  private final long maxReplayBody;

  public RetryPolicy(int attempts, RetryConfig config) {
    this.attempts = attempts;
    for (int s : config.statuses()) {
      statuses[s] = true;
    }
    this.nonIdempotent = config.nonIdempotent();
    this.backoffNanos = config.backoff().toNanos();
    this.maxBackoffNanos = config.maxBackoff().toNanos();
    this.maxReplayBody = config.maxReplayBody();
  }

  /** Retries after the first attempt ({@code retry_attempts}). */
  public int attempts() {
    return attempts;
  }

  /** Whether the service's answer with this status is retried. */
  public boolean retriesStatus(int status) {
    return status >= 0 && status < statuses.length && statuses[status];
  }

  /**
   * Whether a request that reached the service may be sent again: idempotent methods (RFC 9110
   * section 9.2.2), or any method when the route opts in with {@code retry.non_idempotent}.
   */
  public boolean mayResend(HttpMethod method) {
    return nonIdempotent || isIdempotent(method);
  }

  /**
   * Whether the request's body should be kept so it can be sent again: the method may be resent (an
   * idempotent one, which may also be resent once after a stale pooled connection even without
   * retries; any method when the route retries with {@code non_idempotent}), and the body is announced
   * no larger than {@code max_replay_body} (a body of unknown length, such as every HTTP/2 body, is kept
   * up to that size and streamed beyond it).
   */
  public boolean keepsBody(HttpMethod method, String contentLength) {
    if (maxReplayBody == 0 || !(isIdempotent(method) || (attempts > 0 && nonIdempotent))) {
      return false;
    }
    if (contentLength == null) {
      return true;
    }
    try {
      return Long.parseLong(contentLength.trim()) <= maxReplayBody;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  public long maxReplayBody() {
    return maxReplayBody;
  }

  /**
   * The wait before retry number {@code retry} (1 for the first): a random time up to
   * {@code backoff × 2^(retry-1)}, capped at {@code max_backoff} ("full jitter").
   */
  public long backoffNanos(int retry) {
    if (backoffNanos == 0) {
      return 0;
    }
    long cap = backoffNanos << Math.min(30, retry - 1);
    if (cap <= 0 || cap > maxBackoffNanos) {
      cap = maxBackoffNanos;
    }
    return ThreadLocalRandom.current().nextLong(cap + 1);
  }

  /**
   * A {@code Retry-After} value (RFC 9110 section 10.2.3: delay seconds or an HTTP date) in
   * nanoseconds from now, or 0 when absent or unreadable.
   */
  public static long retryAfterNanos(String value, long nowMillis) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    String v = value.trim();
    try {
      long seconds = Long.parseLong(v);
      return seconds <= 0 ? 0 : Math.min(seconds, 86_400) * 1_000_000_000L;
    } catch (NumberFormatException e) {
      try {
        long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return Math.max(0, Math.min(at - nowMillis, 86_400_000L)) * 1_000_000L;
      } catch (DateTimeParseException e2) {
        return 0;
      }
    }
  }

  public static boolean isIdempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }
}
