package io.datapunk.nexus.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(5_000 * SECOND);

  private int retriesGranted(RetryBudget b, int attempts) {
    int n = 0;
    for (int k = 0; k < attempts; k++) {
      if (b.tryRetry()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void retriesAreAtMostTheBudgetShareOfRequests() {
    RetryBudget b = new RetryBudget(0.2, 0, now::get);
    for (int k = 0; k < 100; k++) {
      b.onRequest();
    }
    assertThat(retriesGranted(b, 1000)).isEqualTo(20);
    for (int k = 0; k < 5; k++) {
      b.onRequest();
    }
    assertThat(retriesGranted(b, 10)).as("five more requests earn one retry").isEqualTo(1);
  }

  @Test
  void theReserveAllowsRetriesOnAQuietRoute() {
    RetryBudget b = new RetryBudget(0.2, 1, now::get);
    b.onRequest();
    assertThat(retriesGranted(b, 100)).as("1 request × 0.2 + 1/s × 10 s").isEqualTo(10);
  }

  @Test
  void theWindowSlides() {
    RetryBudget b = new RetryBudget(0.5, 0, now::get);
    for (int k = 0; k < 10; k++) {
      b.onRequest();
    }
    assertThat(retriesGranted(b, 100)).isEqualTo(5);
    now.addAndGet(9 * SECOND);
    assertThat(retriesGranted(b, 100)).as("still inside the 10 s window").isZero();
    now.addAndGet(SECOND);
    assertThat(retriesGranted(b, 100)).as("requests and retries of the old second expired").isZero();
    b.onRequest();
    b.onRequest();
    assertThat(retriesGranted(b, 100)).isEqualTo(1);
  }

  @Test
  void holdsAcrossThreads() throws Exception {
    RetryBudget b = new RetryBudget(0.1, 0, now::get);
    AtomicLong granted = new AtomicLong();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int k = 0; k < 10_000; k++) {
          b.onRequest();
          if (b.tryRetry()) {
            granted.incrementAndGet();
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(granted.get()).isLessThanOrEqualTo(4_000).isGreaterThan(3_900);
  }
}
