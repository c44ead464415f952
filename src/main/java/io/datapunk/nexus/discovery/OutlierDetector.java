package io.datapunk.nexus.discovery;

import io.datapunk.nexus.config.OutlierConfig;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health: learns from real traffic. An instance is ejected (gets no new requests) after
 * {@code consecutive_connect_failures} connection failures or {@code consecutive_failures} failures of
 * any kind in a row, or when its failure share in one {@code interval} reaches {@code failure_rate}.
 * The n-th ejection in a row lasts n × {@code base_ejection_time} (at most {@code max_ejection_time}),
 * and never more than {@code max_ejection_percent} of the service's instances are out at once, so a
 * misjudgement cannot take the whole service away.
 */
public final class OutlierDetector {
  private static final Logger LOG = LoggerFactory.getLogger(OutlierDetector.class);

  private final OutlierConfig config;
  private final InstanceSet instances;
  private final LongSupplier nanoClock;
  private final long intervalNanos;
  private final long baseNanos;
  private final long maxNanos;

  public OutlierDetector(OutlierConfig config, InstanceSet instances, LongSupplier nanoClock) {
    this.config = config;
    this.instances = instances;
    this.nanoClock = nanoClock;
    this.intervalNanos = config.interval().toNanos();
    this.baseNanos = config.baseEjectionTime().toNanos();
    this.maxNanos = config.maxEjectionTime().toNanos();
  }

  /** The attempt got an answer that is not a failure. */
  public void onSuccess(Instance i) {
    if (!config.enabled()) {
      return;
    }
    // Reads before writes: most answers are successes, and an unneeded write would bounce the cache line.
    if (i.consecutiveFailures.get() != 0) {
      i.consecutiveFailures.set(0);
    }
    if (i.consecutiveConnectFailures.get() != 0) {
      i.consecutiveConnectFailures.set(0);
    }
    window(i, false);
  }

  /**
   * The attempt failed: {@code connect} when no connection could be made (refused, connect timeout),
   * otherwise a reset before the answer, no answer in time, or a failure status.
   */
  public void onFailure(Instance i, boolean connect) {
    i.failures.incrementAndGet();
    if (!config.enabled()) {
      return;
    }
    int inRow = i.consecutiveFailures.incrementAndGet();
    int connectInRow;
    if (connect) {
      connectInRow = i.consecutiveConnectFailures.incrementAndGet();
    } else {
      connectInRow = 0;
      i.consecutiveConnectFailures.set(0);
    }
    boolean rate = window(i, true);
    if (connectInRow >= config.consecutiveConnectFailures() || inRow >= config.consecutiveFailures() || rate) {
      eject(i, connect ? "connection failures" : rate ? "failure rate" : "consecutive failures");
    }
  }

  /** Counts one answer in the instance's current interval; true when the failure rate is reached. */
  private boolean window(Instance i, boolean failed) {
    long now = nanoClock.getAsLong();
    long start = i.windowStartNanos.get();
    if (now - start >= intervalNanos && i.windowStartNanos.compareAndSet(start, now)) {
      i.windowRequests.set(0);
      i.windowFailures.set(0);
    }
    int requests = i.windowRequests.incrementAndGet();
    if (!failed) {
      return false;
    }
    int failures = i.windowFailures.incrementAndGet();
    return requests >= config.minimumRequests() && failures >= config.failureRate() * requests;
  }

  private synchronized void eject(Instance i, String why) {
    long now = nanoClock.getAsLong();
    if (i.ejected(now)) {
      return;
    }
    Instance[] all = instances.all();
    int out = 0;
    for (Instance other : all) {
      if (other.ejected(now)) {
        out++;
      }
    }
    int allowed = all.length * config.maxEjectionPercent() / 100;
    if (out + 1 > allowed) {
      return;
    }
    if (i.lastEjectionEndNanos != 0 && now - i.lastEjectionEndNanos > maxNanos) {
      i.ejections = 0;
    }
    i.ejections++;
    long duration = Math.min(maxNanos, baseNanos * i.ejections);
    i.ejectedUntilNanos = now + duration;
    i.lastEjectionEndNanos = now + duration;
    i.ejected = true;
    i.consecutiveFailures.set(0);
    i.consecutiveConnectFailures.set(0);
    i.windowRequests.set(0);
    i.windowFailures.set(0);
    LOG.warn("{} instance {} ejected for {} ms after {} (ejection {} in a row)", instances.service(), i.url(),
        duration / 1_000_000, why, i.ejections);
  }

  /** Ends an ejection early: active checks saw the instance come back. */
  static void uneject(Instance i) {
    i.ejected = false;
  }
}
