package io.datapunk.nexus.ratelimit;

/**
 * A local token bucket: {@code burst} tokens at most, refilled continuously at the limit's rate; each
 * request takes one. Time comes from the caller (nanoseconds), so tests need no sleeping.
 */
final class TokenBucket {
  private final double capacity;
  private final double perNano;
  private double tokens;
  private long last;

  TokenBucket(Limit limit, long nowNanos) {
    this.capacity = limit.burst();
    this.perNano = limit.perNano();
    this.tokens = capacity;
    this.last = nowNanos;
  }

  /**
   * Sets the bucket to what the shared bucket said ({@code left} as returned by a take), so that a
   * fall-back to local decisions continues from the shared count instead of a full bucket.
   */
  synchronized void mirror(double left, long nowNanos) {
    tokens = Math.max(0, Math.min(capacity, left < 0 ? left + 1 : left));
    last = nowNanos;
  }

  /** Takes a token when one is there; returns the tokens left after it (negative: refused). */
  synchronized double take(long nowNanos) {
    if (nowNanos > last) {
      tokens = Math.min(capacity, tokens + (nowNanos - last) * perNano);
      last = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return tokens;
    }
    return tokens - 1;
  }
}
