package io.datapunk.nexus.resilience;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Bounds a route's retries so a failing service sees no retry storm: over the last
 * {@link #WINDOW_SECONDS} seconds, retries ≤ {@code budget} × requests + {@code min_retries_per_second}
 * × {@link #WINDOW_SECONDS}. Requests are counted lock-free in per-second buckets; taking a retry
 * locks (retries are rare), so the bound holds exactly across event loops.
 */
public final class RetryBudget {
  public static final int WINDOW_SECONDS = 10;

  private final double ratio;
  private final long reserve;
  private final LongSupplier nanoClock;
  // Per bucket: [0] the second it counts, [1] requests, [2] retries.
  private final AtomicLongArray buckets = new AtomicLongArray(WINDOW_SECONDS * 3);

  public RetryBudget(double ratio, int minRetriesPerSecond, LongSupplier nanoClock) {
    this.ratio = ratio;
    this.reserve = (long) minRetriesPerSecond * WINDOW_SECONDS;
    this.nanoClock = nanoClock;
  }

  /** Counts one client request of the route. */
  public void onRequest() {
    buckets.incrementAndGet(bucket(second()) + 1);
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  public synchronized boolean tryRetry() {
    long now = second();
    long requests = 0;
    long retries = 0;
    for (int b = 0; b < WINDOW_SECONDS; b++) {
      long sec = buckets.get(b * 3);
      if (now - sec < WINDOW_SECONDS) {
        requests += buckets.get(b * 3 + 1);
        retries += buckets.get(b * 3 + 2);
      }
    }
    if (retries + 1 > ratio * requests + reserve) {
      return false;
    }
    buckets.incrementAndGet(bucket(now) + 2);
    return true;
  }

  private long second() {
    return nanoClock.getAsLong() / 1_000_000_000L;
  }

  /** The index of the bucket of second {@code sec}, reset first when it still holds an older second. */
  private int bucket(long sec) {
    int base = (int) Math.floorMod(sec, (long) WINDOW_SECONDS) * 3;
    long held = buckets.get(base);
    if (held != sec && buckets.compareAndSet(base, held, sec)) {
      buckets.set(base + 1, 0);
      buckets.set(base + 2, 0);
    }
    return base;
  }
}
