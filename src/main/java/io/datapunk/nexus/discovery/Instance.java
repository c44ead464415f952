package io.datapunk.nexus.discovery;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One address of a service and what the gateway knows about it: requests in flight, the verdict of
 * active health checks and of passive outlier detection. Shared by all event loops, so every field
 * that changes is atomic or volatile.
 */
public final class Instance {
  private final Address address;
  private final String url;
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong failures = new AtomicLong();

  // Active health checks: written only by the service's HealthChecker (one event loop).
  volatile boolean healthy = true;
  int checkPasses;
  int checkFailures;

  // Passive outlier detection (see OutlierDetector).
  volatile boolean ejected;
  volatile long ejectedUntilNanos;
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  final AtomicInteger consecutiveConnectFailures = new AtomicInteger();
  final AtomicLong windowStartNanos = new AtomicLong();
  final AtomicInteger windowRequests = new AtomicInteger();
  final AtomicInteger windowFailures = new AtomicInteger();
  /** Ejections in a row, guarded by the OutlierDetector's lock. */
  int ejections;
  long lastEjectionEndNanos;

  // Smooth weighted round robin state, guarded by the WeightedRoundRobin's lock.
  int currentWeight;

  /**
   * Where an instance is.
   *
   * @param scheme http or https
   * @param host host name or address
   * @param port port
   * @param basePath prepended to every forwarded path ("" for none)
   * @param weight relative weight (>= 1)
   */
  public record Address(String scheme, String host, int port, String basePath, int weight) {
    /** The identity of an instance across discovery updates. */
    String key() {
      return host + ":" + port;
    }
  }

  public Instance(Address address) {
    this.address = address;
    String host = address.host().indexOf(':') >= 0 ? "[" + address.host() + "]" : address.host();
    this.url = address.scheme() + "://" + host + ":" + address.port() + address.basePath();
  }

  public Address address() {
    return address;
  }

  public String host() {
    return address.host();
  }

  public int port() {
    return address.port();
  }

  public String basePath() {
    return address.basePath();
  }

  public int weight() {
    return address.weight();
  }

  /** The instance as a URL, for the admin plane and logs. */
  public String url() {
    return url;
  }

  /** Whether new requests may go here: healthy by active checks and not ejected (or its ejection is over). */
  public boolean available(long nowNanos) {
    return healthy && (!ejected || nowNanos - ejectedUntilNanos >= 0);
  }

  public boolean healthy() {
    return healthy;
  }

  /** Whether an ejection is in force at {@code nowNanos}. */
  public boolean ejected(long nowNanos) {
    return ejected && nowNanos - ejectedUntilNanos < 0;
  }

  /** Nanoseconds of ejection left at {@code nowNanos} (0 when not ejected). */
  public long ejectedForNanos(long nowNanos) {
    return ejected(nowNanos) ? ejectedUntilNanos - nowNanos : 0;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Attempts sent here so far. */
  public long requests() {
    return requests.get();
  }

  /** Attempts here that failed (connection, reset, timeout or a retryable status). */
  public long failures() {
    return failures.get();
  }

  /** Ejections in a row so far. */
  public int ejections() {
    return ejections;
  }

  /** An attempt starts: counted in flight until {@link #attemptEnded()}. */
  public void attemptStarted() {
    inFlight.incrementAndGet();
    requests.incrementAndGet();
  }

  public void attemptEnded() {
    inFlight.decrementAndGet();
  }

  @Override
  public String toString() {
    return url;
  }
}
