package io.datapunk.nexus.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * One upstream fetch that concurrent misses for the same key wait for (request coalescing). The
 * leader completes it with the stored entry, or with null when the response could not be stored; the
 * waiters then answer from the entry or make their own call. Waiters run on their own event loops.
 */
final class Flight {
  private final List<Lookup> waiters = new ArrayList<>(2);
  private boolean done;

  /** Adds a waiter; false when the flight already ended (the caller looks again). */
  synchronized boolean join(Lookup waiter) {
    if (done) {
      return false;
    }
    waiters.add(waiter);
    return true;
  }

  /** Ends the flight once; later calls do nothing. */
  void complete(CachedResponse entry, CharSequence verdict) {
    List<Lookup> toResume;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      toResume = List.copyOf(waiters);
      waiters.clear();
    }
    for (Lookup w : toResume) {
      w.resume(entry, verdict);
    }
  }

}
