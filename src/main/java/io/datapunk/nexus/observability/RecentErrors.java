package io.datapunk.nexus.observability;

import java.util.ArrayList;
import java.util.List;

/**
 * The last N errors (gateway errors and 5xx answers), for the admin API and the dashboard. Errors are
 * rare next to requests, so a lock is cheaper here than anything clever.
 */
public final class RecentErrors {
  private final Entry[] ring;
  private int next;
  private long total;

  /**
   * One error.
   *
   * @param epochMillis when it ended
   * @param requestId the request id
   * @param traceId the W3C trace id
   * @param route the route, or {@code unmatched}
   * @param method the HTTP method
   * @param path the request path (no query)
   * @param status the status answered
   * @param code the gateway error code, or {@code upstream} for a service's own 5xx
   */
  public record Entry(long epochMillis, String requestId, String traceId, String route, String method, String path,
                      int status, String code) {}

  public RecentErrors(int capacity) {
    this.ring = new Entry[capacity];
  }

  public synchronized void add(Entry e) {
    ring[next] = e;
    next = (next + 1) % ring.length;
    total++;
  }

  /** Newest first. */
  public synchronized List<Entry> list() {
    List<Entry> out = new ArrayList<>(ring.length);
    for (int i = 1; i <= ring.length; i++) {
      Entry e = ring[(next - i + ring.length) % ring.length];
      if (e == null) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  /** Errors recorded since start. */
  public synchronized long total() {
    return total;
  }

  public int capacity() {
    return ring.length;
  }
}
