package io.datapunk.nexus.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.config.OutlierConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  private InstanceSet set(int n) {
    InstanceSet set = new InstanceSet("svc");
    List<Instance.Address> a = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      a.add(new Instance.Address("http", "127.0.0." + (k + 1), 80, "", 1));
    }
    set.update(a);
    return set;
  }

  private OutlierDetector detector(InstanceSet set, OutlierConfig c) {
    return new OutlierDetector(c, set, now::get);
  }

  private static OutlierConfig config(int maxPercent) {
    OutlierConfig d = OutlierConfig.defaults();
    return new OutlierConfig(true, d.consecutiveConnectFailures(), d.consecutiveFailures(), d.failureRate(),
        d.minimumRequests(), d.interval(), Duration.ofSeconds(30), Duration.ofSeconds(300), maxPercent);
  }

  @Test
  void aConnectionFailureEjectsAtOnceAndTheEjectionGrowsWithRepeats() {
    InstanceSet set = set(3);
    Instance i = set.all()[0];
    OutlierDetector d = detector(set, OutlierConfig.defaults());
    d.onFailure(i, true);
    assertThat(i.available(now.get())).isFalse();
    assertThat(i.ejectedForNanos(now.get())).isEqualTo(30 * SECOND);
    now.addAndGet(30 * SECOND);
    assertThat(i.available(now.get())).isTrue();
    d.onFailure(i, true);
    assertThat(i.ejectedForNanos(now.get())).as("second ejection in a row").isEqualTo(60 * SECOND);
    now.addAndGet(60 * SECOND);
    d.onFailure(i, true);
    assertThat(i.ejectedForNanos(now.get())).isEqualTo(90 * SECOND);
    // Served well for longer than max_ejection_time: the count starts over.
    now.addAndGet(90 * SECOND + 301 * SECOND);
    d.onFailure(i, true);
    assertThat(i.ejectedForNanos(now.get())).isEqualTo(30 * SECOND);
  }

  @Test
  void ejectionNeverExceedsTheMaximumTime() {
    InstanceSet set = set(2);
    Instance i = set.all()[0];
    OutlierDetector d = detector(set, OutlierConfig.defaults());
    for (int k = 0; k < 20; k++) {
      d.onFailure(i, true);
      now.addAndGet(i.ejectedForNanos(now.get()));
    }
    d.onFailure(i, true);
    assertThat(i.ejectedForNanos(now.get())).isEqualTo(300 * SECOND);
  }

  @Test
  void otherFailuresEjectAfterFiveInARowAndASuccessResetsTheCount() {
    InstanceSet set = set(3);
    Instance i = set.all()[0];
    OutlierDetector d = detector(set, OutlierConfig.defaults());
    for (int k = 0; k < 4; k++) {
      d.onFailure(i, false);
    }
    d.onSuccess(i);
    for (int k = 0; k < 4; k++) {
      d.onFailure(i, false);
    }
    assertThat(i.available(now.get())).isTrue();
    d.onFailure(i, false);
    assertThat(i.available(now.get())).isFalse();
    assertThat(i.failures()).isEqualTo(9);
  }

  @Test
  void aFailureRateOverTheIntervalEjects() {
    InstanceSet set = set(3);
    Instance i = set.all()[0];
    OutlierDetector d = detector(set, OutlierConfig.defaults());
    // Alternating: never 5 failures in a row, but half of 20 requests failed.
    for (int k = 0; k < 9; k++) {
      d.onSuccess(i);
      d.onFailure(i, false);
      now.addAndGet(SECOND / 10);
    }
    d.onSuccess(i);
    assertThat(i.available(now.get())).isTrue();
    d.onFailure(i, false);
    assertThat(i.available(now.get())).as("10 of 20 failed").isFalse();
  }

  @Test
  void theFailureRateWindowStartsOverEachInterval() {
    InstanceSet set = set(3);
    Instance i = set.all()[0];
    OutlierDetector d = detector(set, OutlierConfig.defaults());
    for (int k = 0; k < 9; k++) {
      d.onSuccess(i);
      d.onFailure(i, false);
    }
    now.addAndGet(11 * SECOND);
    d.onSuccess(i);
    d.onFailure(i, false);
    assertThat(i.available(now.get())).isTrue();
  }

  @Test
  void neverEjectsMoreThanTheConfiguredShare() {
    InstanceSet set = set(4);
    Instance[] all = set.all();
    OutlierDetector d = detector(set, config(50));
    for (Instance i : all) {
      d.onFailure(i, true);
    }
    long out = java.util.Arrays.stream(all).filter(i -> !i.available(now.get())).count();
    assertThat(out).isEqualTo(2);
    InstanceSet single = set(1);
    OutlierDetector d1 = detector(single, OutlierConfig.defaults());
    d1.onFailure(single.all()[0], true);
    assertThat(single.all()[0].available(now.get())).as("a lone instance is never ejected").isTrue();
  }

  @Test
  void disabledDetectionOnlyCounts() {
    InstanceSet set = set(3);
    Instance i = set.all()[0];
    OutlierDetector d = detector(set, new OutlierConfig(false, 1, 1, 0.1, 1, Duration.ofSeconds(1),
        Duration.ofSeconds(1), Duration.ofSeconds(1), 100));
    d.onFailure(i, true);
    assertThat(i.available(now.get())).isTrue();
    assertThat(i.failures()).isEqualTo(1);
  }

  @Test
  void updatesKeepTheStateOfInstancesThatStay() {
    InstanceSet set = set(2);
    Instance kept = set.all()[1];
    kept.attemptStarted();
    List<Instance> added = set.update(List.of(new Instance.Address("http", "127.0.0.2", 80, "", 1),
        new Instance.Address("http", "127.0.0.9", 80, "", 1)));
    assertThat(set.all()[0]).isSameAs(kept);
    assertThat(kept.inFlight()).isEqualTo(1);
    assertThat(added).extracting(Instance::host).containsExactly("127.0.0.9");
  }
}
