package io.datapunk.nexus.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
  private static Instance[] instances(int... weights) {
    InstanceSet set = new InstanceSet("svc");
    java.util.ArrayList<Instance.Address> a = new java.util.ArrayList<>();
    for (int k = 0; k < weights.length; k++) {
      a.add(new Instance.Address("http", "10.0.0." + k, 80, "", weights[k]));
    }
    set.update(a);
    return set.all();
  }

  private static Map<Instance, Integer> count(LoadBalancer lb, Instance[] all, int n) {
    Map<Instance, Integer> c = new HashMap<>();
    for (int k = 0; k < n; k++) {
      c.merge(lb.pick(all, null, 0, 0), 1, Integer::sum);
    }
    return c;
  }

  @Test
  void leastRequestsPicksTheFewestInFlightRelativeToWeight() {
    Instance[] all = instances(1, 1, 2);
    LoadBalancer lb = LoadBalancer.of("least_requests");
    all[0].attemptStarted();
    all[1].attemptStarted();
    all[1].attemptStarted();
    assertThat(lb.pick(all, null, 0, 0)).isSameAs(all[2]);
    all[2].attemptStarted();
    all[2].attemptStarted();
    // 1/1 vs 2/1 vs 2/2: instance 0 and 2 tie at 1; instance 1 never
    for (int k = 0; k < 50; k++) {
      assertThat(lb.pick(all, null, 0, 0)).isNotSameAs(all[1]);
    }
  }

  @Test
  void leastRequestsSpreadsTiesOverAllInstances() {
    Instance[] all = instances(1, 1, 1);
    assertThat(count(LoadBalancer.of("least_requests"), all, 3000)).hasSize(3)
        .allSatisfy((i, n) -> assertThat(n).isBetween(800, 1200));
  }

  @Test
  void roundRobinTakesEachInTurn() {
    Instance[] all = instances(5, 1, 1);
    LoadBalancer lb = LoadBalancer.of("round_robin");
    Instance first = lb.pick(all, null, 0, 0);
    Instance second = lb.pick(all, null, 0, 0);
    Instance third = lb.pick(all, null, 0, 0);
    assertThat(List.of(first, second, third)).containsExactlyInAnyOrder(all);
    assertThat(lb.pick(all, null, 0, 0)).isSameAs(first);
  }

  @Test
  void weightedGivesEachItsShareInterleaved() {
    Instance[] all = instances(3, 1);
    LoadBalancer lb = LoadBalancer.of("weighted");
    StringBuilder seq = new StringBuilder();
    for (int k = 0; k < 8; k++) {
      seq.append(lb.pick(all, null, 0, 0) == all[0] ? 'a' : 'b');
    }
    assertThat(seq.toString()).isEqualTo("aabaaaba");
    assertThat(count(lb, all, 400)).containsEntry(all[0], 300).containsEntry(all[1], 100);
  }

  @Test
  void everyStrategyPrefersUntriedAndSkipsUnavailableInstances() {
    for (String name : List.of("least_requests", "round_robin", "weighted")) {
      Instance[] all = instances(1, 1, 1);
      LoadBalancer lb = LoadBalancer.of(name);
      Instance[] tried = {all[0], all[1], null};
      for (int k = 0; k < 20; k++) {
        assertThat(lb.pick(all, tried, 2, 0)).as(name).isSameAs(all[2]);
      }
      all[2].healthy = false;
      // Only tried ones are left: a retry goes back to one of them rather than nowhere.
      assertThat(lb.pick(all, tried, 2, 0)).as(name).isIn(all[0], all[1]);
      all[0].healthy = false;
      all[1].ejected = true;
      all[1].ejectedUntilNanos = 1_000;
      assertThat(lb.pick(all, null, 0, 999)).as(name).isNull();
      assertThat(lb.pick(all, null, 0, 1_000)).as(name + ": ejection over").isSameAs(all[1]);
    }
    assertThat(LoadBalancer.of("least_requests").pick(new Instance[0], null, 0, 0)).isNull();
  }
}
