package io.datapunk.nexus.discovery;

/**
 * Smooth weighted round robin (as NGINX's): over any run of requests each available instance gets its
 * share of the weights, interleaved rather than in bursts. One lock per service; the critical section
 * is a scan of the instances.
 */
final class WeightedRoundRobin implements LoadBalancer {
  @Override
  public Instance pick(Instance[] all, Instance[] tried, int triedCount, long nowNanos) {
    if (all.length == 0) {
      return null;
    }
    synchronized (this) {
      Instance best = choose(all, tried, triedCount, nowNanos, true);
      return best != null ? best : choose(all, tried, triedCount, nowNanos, false);
    }
  }

  private static Instance choose(Instance[] all, Instance[] tried, int triedCount, long nowNanos, boolean skipTried) {
    Instance best = null;
    int total = 0;
    for (Instance i : all) {
      if (!i.available(nowNanos) || (skipTried && triedCount > 0 && LoadBalancer.contains(tried, triedCount, i))) {
        continue;
      }
      i.currentWeight += i.weight();
      total += i.weight();
      if (best == null || i.currentWeight > best.currentWeight) {
        best = i;
      }
    }
    if (best != null) {
      best.currentWeight -= total;
    }
    return best;
  }
}
