package io.datapunk.nexus.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.config.BreakerConfig;
import io.datapunk.nexus.testing.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteBreakerTest {
  private final MutableClock clock = new MutableClock();
  private final RouteBreaker breaker = new RouteBreaker("lake",
      new BreakerConfig(true, 50, 100, null, "count", 4, 4, Duration.ofSeconds(30), 2, List.of(503)),
      Duration.ofSeconds(5), clock);

  private void call(boolean ok) {
    assertThat(breaker.tryAcquire()).isTrue();
    if (ok) {
      breaker.onSuccess(1_000_000);
    } else {
      breaker.onFailure(1_000_000);
    }
  }

  @Test
  void opensAtTheFailureRateHalfOpensAfterTheWaitAndClosesOnSuccess() {
    call(true);
    call(false);
    call(true);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    call(false);
    assertThat(breaker.state()).as("2 of 4 failed = 50%").isEqualTo(State.OPEN);
    assertThat(breaker.tryAcquire()).isFalse();
    assertThat(breaker.retryAfterSeconds()).isEqualTo(30);
    clock.advance(Duration.ofMillis(10_500));
    assertThat(breaker.retryAfterSeconds()).isEqualTo(20);
    clock.advance(Duration.ofMillis(19_500));
    assertThat(breaker.tryAcquire()).as("the wait is not over yet").isFalse();
    clock.advance(Duration.ofMillis(1));
    call(true);
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    call(true);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void aFailedProbeOpensItAgain() {
    for (int k = 0; k < 4; k++) {
      call(false);
    }
    clock.advance(Duration.ofMillis(30_001));
    call(false);
    call(false);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.retryAfterSeconds()).isEqualTo(30);
  }

  @Test
  void aSlowCallIsMeasuredAgainstTheRouteTimeoutByDefault() {
    RouteBreaker slow = new RouteBreaker("lake",
        new BreakerConfig(true, 50, 50, null, "count", 2, 2, Duration.ofSeconds(30), 1, List.of(503)),
        Duration.ofSeconds(1), clock);
    slow.tryAcquire();
    slow.onSuccess(Duration.ofMillis(999).toNanos());
    slow.tryAcquire();
    slow.onSuccess(Duration.ofMillis(1001).toNanos());
    assertThat(slow.state()).isEqualTo(State.OPEN);
  }

  @Test
  void releasedCallsAreNotCountedAndDisabledNeverOpens() {
    for (int k = 0; k < 10; k++) {
      assertThat(breaker.tryAcquire()).isTrue();
      breaker.release();
    }
    assertThat(breaker.metrics().getNumberOfBufferedCalls()).isZero();
    RouteBreaker off = new RouteBreaker("lake",
        new BreakerConfig(false, 50, 100, null, "count", 2, 2, Duration.ofSeconds(30), 1, List.of(503)),
        Duration.ofSeconds(1), clock);
    for (int k = 0; k < 10; k++) {
      assertThat(off.tryAcquire()).isTrue();
      off.onFailure(1);
    }
    assertThat(breaker.isFailureStatus(503)).isTrue();
    assertThat(breaker.isFailureStatus(500)).isFalse();
  }
}
