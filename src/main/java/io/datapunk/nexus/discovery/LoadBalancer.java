package io.datapunk.nexus.discovery;

import io.datapunk.nexus.config.UpstreamConfig;

/**
 * Chooses the instance for one attempt among the available ones, preferring instances this request
 * has not tried yet (so each retry goes to a different instance when one exists).
 */
public interface LoadBalancer {
  /**
   * @param all the service's instances
   * @param tried instances this request already tried ({@code tried[0..triedCount)}), may be null
   * @param triedCount how many of {@code tried} are set
   * @param nowNanos {@link System#nanoTime()} now
   * @return the chosen instance, or null when none is available
   */
  Instance pick(Instance[] all, Instance[] tried, int triedCount, long nowNanos);

  /** The strategy named in config ({@code load_balancing}). */
  static LoadBalancer of(String name) {
    return switch (name) {
      case UpstreamConfig.ROUND_ROBIN -> new RoundRobin();
      case UpstreamConfig.WEIGHTED -> new WeightedRoundRobin();
      default -> new LeastRequests();
    };
  }

  /** Whether {@code i} is in {@code tried[0..count)}. */
  static boolean contains(Instance[] tried, int count, Instance i) {
    for (int k = 0; k < count; k++) {
      if (tried[k] == i) {
        return true;
      }
    }
    return false;
  }
}
