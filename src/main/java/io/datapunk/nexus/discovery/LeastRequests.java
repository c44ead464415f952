package io.datapunk.nexus.discovery;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The instance with the fewest requests in flight relative to its weight (the proposal's
 * least_connections, counted in requests because pooled connections outlive them). The scan starts
 * at a random instance so ties spread evenly.
 */
final class LeastRequests implements LoadBalancer {
  @Override
  public Instance pick(Instance[] all, Instance[] tried, int triedCount, long nowNanos) {
    int n = all.length;
    if (n == 0) {
      return null;
    }
    if (n == 1) {
      return all[0].available(nowNanos) ? all[0] : null;
    }
    int start = ThreadLocalRandom.current().nextInt(n);
    Instance best = null;
    Instance bestTried = null;
    for (int k = 0; k < n; k++) {
      Instance i = all[(start + k) % n];
      if (!i.available(nowNanos)) {
        continue;
      }
      if (triedCount > 0 && LoadBalancer.contains(tried, triedCount, i)) {
        if (bestTried == null || fewer(i, bestTried)) {
          bestTried = i;
        }
      } else if (best == null || fewer(i, best)) {
        best = i;
      }
    }
    return best != null ? best : bestTried;
  }

  /** a.inFlight / a.weight < b.inFlight / b.weight, without division. */
  private static boolean fewer(Instance a, Instance b) {
    return (long) a.inFlight() * b.weight() < (long) b.inFlight() * a.weight();
  }
}
