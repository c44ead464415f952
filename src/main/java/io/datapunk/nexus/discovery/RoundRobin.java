package io.datapunk.nexus.discovery;

import java.util.concurrent.atomic.AtomicInteger;

/** Each available instance in turn, ignoring weights. */
final class RoundRobin implements LoadBalancer {
  private final AtomicInteger next = new AtomicInteger();

  @Override
  public Instance pick(Instance[] all, Instance[] tried, int triedCount, long nowNanos) {
    int n = all.length;
    if (n == 0) {
      return null;
    }
    int start = Math.floorMod(next.getAndIncrement(), n);
    Instance fallback = null;
    for (int k = 0; k < n; k++) {
      Instance i = all[(start + k) % n];
      if (!i.available(nowNanos)) {
        continue;
      }
      if (triedCount > 0 && LoadBalancer.contains(tried, triedCount, i)) {
        if (fallback == null) {
          fallback = i;
        }
        continue;
      }
      return i;
    }
    return fallback;
  }
}
