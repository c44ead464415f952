package io.datapunk.nexus.discovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The current instances of one service. Discovery replaces the list as a whole; instances that stay
 * (same host and port) keep their state, so an update never resets health or in-flight counts, and
 * requests in flight to a removed instance finish normally.
 */
public final class InstanceSet {
  private static final Instance[] NONE = new Instance[0];
  private final String service;
  private volatile Instance[] all = NONE;
  private volatile boolean known;

  public InstanceSet(String service) {
    this.service = service;
  }

  public String service() {
    return service;
  }

  /** The instances now (never modified; a new array on each update). */
  public Instance[] all() {
    return all;
  }

  /** Whether a list was ever set (a Consul service is unknown until Consul first answers). */
  public boolean known() {
    return known;
  }

  /** Replaces the list; returns the instances that are new. */
  public synchronized List<Instance> update(List<Instance.Address> addresses) {
    Map<String, Instance> old = new HashMap<>();
    for (Instance i : all) {
      old.put(i.address().key(), i);
    }
    List<Instance> next = new ArrayList<>(addresses.size());
    List<Instance> added = new ArrayList<>();
    for (Instance.Address a : addresses) {
      Instance kept = old.get(a.key());
      if (kept != null && kept.address().equals(a)) {
        next.add(kept);
      } else {
        Instance fresh = new Instance(a);
        next.add(fresh);
        added.add(fresh);
      }
    }
    all = next.toArray(NONE);
    known = true;
    return added;
  }
}
