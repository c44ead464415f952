package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-event-loop deadline wheel that replaced two Vert.x timers per proxied request. */
class TimeoutWheelTest {
  private static Vertx vertx;
  /** One event-loop context: every step of a test runs on the same loop, so on the same wheel. */
  private static io.vertx.core.Context context;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  /** A deadline that records when it fired (nanoTime), on which thread, and how often. */
  static final class Probe extends TimeoutWheel.Timeout {
    final List<Long> firedAt = new CopyOnWriteArrayList<>();
    volatile Thread thread;
    Runnable onFire = () -> { };

    @Override
    protected void expired() {
      firedAt.add(System.nanoTime());
      thread = Thread.currentThread();
      onFire.run();
    }
  }

  private static <T> T onLoop(Supplier<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        result.complete(action.get());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(10, TimeUnit.SECONDS);
  }

  @Test
  void thereIsNoWheelOffAnEventLoop() {
    assertThat(TimeoutWheel.current()).isNull();
  }

  @Test
  void aDeadlineFiresOnceNeverEarlyAndOnTheEventLoop() throws Exception {
    Probe probe = new Probe();
    long armedAt = onLoop(() -> {
      long t = System.nanoTime();
      TimeoutWheel.current().schedule(probe, 120);
      return t;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> !probe.firedAt.isEmpty());
    Thread.sleep(100);
    assertThat(probe.firedAt).hasSize(1);
    assertThat(probe.firedAt.get(0) - armedAt).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(120));
    assertThat(probe.thread.getName()).startsWith("vert.x-eventloop-thread");
    assertThat(onLoop(() -> probe.armed())).isFalse();
  }

  @Test
  void aCancelledDeadlineNeverFires() throws Exception {
    Probe cancelled = new Probe();
    Probe kept = new Probe();
    onLoop(() -> {
      TimeoutWheel wheel = TimeoutWheel.current();
      wheel.schedule(cancelled, 30);
      wheel.schedule(kept, 60);
      cancelled.cancel();
      return null;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> !kept.firedAt.isEmpty());
    Thread.sleep(50);
    assertThat(cancelled.firedAt).isEmpty();
    assertThat(onLoop(() -> TimeoutWheel.current().pending())).isZero();
  }

  @Test
  void reArmingMovesTheDeadline() throws Exception {
    Probe probe = new Probe();
    long armedAt = onLoop(() -> {
      TimeoutWheel wheel = TimeoutWheel.current();
      wheel.schedule(probe, 20);
      long t = System.nanoTime();
      wheel.schedule(probe, 200);
      return t;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> !probe.firedAt.isEmpty());
    assertThat(probe.firedAt).hasSize(1);
    assertThat(probe.firedAt.get(0) - armedAt).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
  }

  @Test
  void deadlinesBeyondOneTurnOfTheWheelWaitTheirRounds() throws Exception {
    // 1024 slots of 10 ms: 10.24 s per turn. A deadline of 10.5 s shares a slot with one of 0.26 s.
    Probe near = new Probe();
    Probe far = new Probe();
    onLoop(() -> {
      TimeoutWheel wheel = TimeoutWheel.current();
      wheel.schedule(far, 10_500);
      wheel.schedule(near, 260);
      return null;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> !near.firedAt.isEmpty());
    Thread.sleep(500);
    assertThat(far.firedAt).isEmpty();
    assertThat(onLoop(() -> far.armed())).isTrue();
    onLoop(() -> {
      far.cancel();
      return null;
    });
  }

  @Test
  void aCallbackMayCancelAnotherDeadlineDueInTheSameTick() throws Exception {
    Probe first = new Probe();
    Probe second = new Probe();
    first.onFire = second::cancel;
    second.onFire = first::cancel;
    onLoop(() -> {
      TimeoutWheel wheel = TimeoutWheel.current();
      wheel.schedule(first, 50);
      wheel.schedule(second, 50);
      return null;
    });
    Thread.sleep(300);
    // Whichever fired first cancelled the other.
    assertThat(first.firedAt.size() + second.firedAt.size()).isEqualTo(1);
  }

  @Test
  void manyDeadlinesAllFireAndTheWheelEmpties() throws Exception {
    int n = 5_000;
    Probe[] probes = new Probe[n];
    onLoop(() -> {
      TimeoutWheel wheel = TimeoutWheel.current();
      for (int i = 0; i < n; i++) {
        probes[i] = new Probe();
        wheel.schedule(probes[i], 1 + (i % 300));
      }
      return null;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (Probe p : probes) {
        if (p.firedAt.isEmpty()) {
          return false;
        }
      }
      return true;
    });
    assertThat(onLoop(() -> TimeoutWheel.current().pending())).isZero();
  }
}
