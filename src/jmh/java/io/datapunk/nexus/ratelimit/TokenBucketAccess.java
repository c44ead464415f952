package io.datapunk.nexus.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Benchmark access to the package-private {@link TokenBucket} (compiled only by the {@code jmh} Maven
 * profile): one bucket, and the per-client map built as {@code RateLimitFilter} builds it.
 */
public final class TokenBucketAccess {
  private final Limit limit;
  private final TokenBucket bucket;
  private final Cache<String, TokenBucket> byClient = Caffeine.newBuilder()
      .maximumSize(RateLimiting.MAX_LOCAL_BUCKETS).expireAfterAccess(Duration.ofMinutes(10)).build();

  public TokenBucketAccess(Limit limit) {
    this.limit = limit;
    this.bucket = new TokenBucket(limit, System.nanoTime());
  }

  /** One take from the route's bucket, as the filter does it without Redis. */
  public double take() {
    return bucket.take(System.nanoTime());
  }

  /** The client's bucket looked up (made on first sight) as in {@code RateLimitFilter.local}, then one take. */
  public double takeForClient(String who) {
    TokenBucket b = byClient.getIfPresent(who);
    if (b == null) {
      b = byClient.get(who, k -> new TokenBucket(limit, System.nanoTime()));
    }
    return b.take(System.nanoTime());
  }
}
