package io.datapunk.nexus.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The local tier (L1) of one instance: entries bounded by their size in bytes, evicted by strict LRU
 * or by Caffeine's W-TinyLFU ({@code cache_strategy.distributed_cache.secondary.eviction}), each
 * dropped once it may no longer be served even stale. An index from resource (route + path) to keys
 * lets an invalidation drop every variant of a path without scanning.
 */
final class LocalCache {
  private final Store store;
  private final Map<String, Set<String>> byResource = new ConcurrentHashMap<>();
  private final long maxBytes;

  LocalCache(long maxBytes, boolean tinyLfu, java.util.function.LongSupplier clockMillis) {
    this.maxBytes = maxBytes;
    this.store = tinyLfu ? new CaffeineStore(maxBytes, this::unindex, clockMillis) : new LruStore(maxBytes, this::unindex);
  }

  long maxBytes() {
    return maxBytes;
  }

  /** The entry, or null when absent or past the last moment it may be served. */
  CachedResponse get(String key, long now) {
    CachedResponse e = store.get(key);
    if (e != null && now >= e.removeAt()) {
      remove(key);
      return null;
    }
    return e;
  }

  /** Stores the entry unless one with a newer version is there; returns whether it was stored. */
  boolean put(CachedResponse e) {
    if (e.weight() > maxBytes) {
      return false;
    }
    boolean stored = store.putIfNewer(e);
    if (stored) {
      byResource.computeIfAbsent(resource(e.route, e.path), r -> ConcurrentHashMap.newKeySet()).add(e.key);
    }
    return stored;
  }

  void remove(String key) {
    store.remove(key);
  }

  /** Drops one entry if it still has this version (a write that Redis refused as older). */
  void removeVersion(String key, long version) {
    store.removeIf(key, e -> e.version == version);
  }

  /** Drops every entry of a path (all methods, queries, callers and variants) matching the filter; returns how many. */
  int removeResource(String route, String path, Predicate<CachedResponse> filter) {
    Set<String> keys = byResource.get(resource(route, path));
    if (keys == null) {
      return 0;
    }
    int n = 0;
    for (String key : List.copyOf(keys)) {
      if (store.removeIf(key, filter)) {
        n++;
      }
    }
    return n;
  }

  /** Drops every entry matching the filter (admin purges by prefix, tag or route: a scan). */
  int removeIf(Predicate<CachedResponse> filter) {
    int n = 0;
    for (CachedResponse e : store.values()) {
      if (filter.test(e) && store.removeIf(e.key, filter)) {
        n++;
      }
    }
    return n;
  }

  void clear() {
    removeIf(e -> true);
  }

  long bytes() {
    return store.bytes();
  }

  long entries() {
    return store.entries();
  }

  private void unindex(CachedResponse e) {
    byResource.computeIfPresent(resource(e.route, e.path), (r, keys) -> {
      if (!store.contains(e.key)) {
        keys.remove(e.key);
      }
      return keys.isEmpty() ? null : keys;
    });
  }

  static String resource(String route, String path) {
    return route + ':' + path;
  }

  private interface Store {
    CachedResponse get(String key);

    boolean putIfNewer(CachedResponse e);

    void remove(String key);

    boolean removeIf(String key, Predicate<CachedResponse> filter);

    boolean contains(String key);

    List<CachedResponse> values();

    long bytes();

    long entries();
  }

  /** W-TinyLFU with a byte weigher and a per-entry expiry at {@link CachedResponse#removeAt()}. */
  private static final class CaffeineStore implements Store {
    private final Cache<String, CachedResponse> cache;

    CaffeineStore(long maxBytes, java.util.function.Consumer<CachedResponse> removed,
                  java.util.function.LongSupplier clockMillis) {
      this.cache = Caffeine.newBuilder()
          .maximumWeight(maxBytes)
          .weigher((String k, CachedResponse v) -> v.weight())
          .expireAfter(new Expiry<String, CachedResponse>() {
            @Override
            public long expireAfterCreate(String key, CachedResponse value, long currentTime) {
              return TimeUnit.MILLISECONDS.toNanos(Math.max(0, value.removeAt() - clockMillis.getAsLong()));
            }

            @Override
            public long expireAfterUpdate(String key, CachedResponse value, long currentTime, long currentDuration) {
              return expireAfterCreate(key, value, currentTime);
            }

            @Override
            public long expireAfterRead(String key, CachedResponse value, long currentTime, long currentDuration) {
              return currentDuration;
            }
          })
          // Maintenance runs on the calling thread: no extra pool thread on a one-core gateway.
          .executor(Runnable::run)
          .removalListener((String k, CachedResponse v, RemovalCause cause) -> {
            if (v != null && cause != RemovalCause.REPLACED) {
              removed.accept(v);
            }
          })
          .build();
    }

    @Override
    public CachedResponse get(String key) {
      return cache.getIfPresent(key);
    }

    @Override
    public boolean putIfNewer(CachedResponse e) {
      boolean[] stored = {false};
      cache.asMap().compute(e.key, (k, old) -> {
        if (old != null && old.version > e.version) {
          return old;
        }
        stored[0] = true;
        return e;
      });
      return stored[0];
    }

    @Override
    public void remove(String key) {
      cache.invalidate(key);
    }

    @Override
    public boolean removeIf(String key, Predicate<CachedResponse> filter) {
      boolean[] removed = {false};
      cache.asMap().computeIfPresent(key, (k, v) -> {
        if (filter.test(v)) {
          removed[0] = true;
          return null;
        }
        return v;
      });
      return removed[0];
    }

    @Override
    public boolean contains(String key) {
      return cache.asMap().containsKey(key);
    }

    @Override
    public List<CachedResponse> values() {
      return new ArrayList<>(cache.asMap().values());
    }

    @Override
    public long bytes() {
      return cache.policy().eviction().map(ev -> ev.weightedSize().orElse(0L)).orElse(0L);
    }

    @Override
    public long entries() {
      return cache.estimatedSize();
    }
  }

  /** Strict least-recently-used order by bytes: one lock, held for a map operation only. */
  private static final class LruStore implements Store {
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, CachedResponse> map = new LinkedHashMap<>(1024, 0.75f, true);
    private final long maxBytes;
    private final java.util.function.Consumer<CachedResponse> removed;
    private long bytes;

    LruStore(long maxBytes, java.util.function.Consumer<CachedResponse> removed) {
      this.maxBytes = maxBytes;
      this.removed = removed;
    }

    @Override
    public CachedResponse get(String key) {
      lock.lock();
      try {
        return map.get(key);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public boolean putIfNewer(CachedResponse e) {
      List<CachedResponse> evicted = new ArrayList<>(0);
      lock.lock();
      try {
        CachedResponse old = map.get(e.key);
        if (old != null && old.version > e.version) {
          return false;
        }
        if (old != null) {
          bytes -= old.weight();
        }
        map.put(e.key, e);
        bytes += e.weight();
        Iterator<CachedResponse> it = map.values().iterator();
        while (bytes > maxBytes && it.hasNext()) {
          CachedResponse eldest = it.next();
          if (eldest == e) {
            continue;
          }
          it.remove();
          bytes -= eldest.weight();
          evicted.add(eldest);
        }
      } finally {
        lock.unlock();
      }
      for (CachedResponse v : evicted) {
        removed.accept(v);
      }
      return true;
    }

    @Override
    public void remove(String key) {
      removeIf(key, e -> true);
    }

    @Override
    public boolean removeIf(String key, Predicate<CachedResponse> filter) {
      CachedResponse gone = null;
      lock.lock();
      try {
        CachedResponse v = map.get(key);
        if (v != null && filter.test(v)) {
          map.remove(key);
          bytes -= v.weight();
          gone = v;
        }
      } finally {
        lock.unlock();
      }
      if (gone != null) {
        removed.accept(gone);
        return true;
      }
      return false;
    }

    @Override
    public boolean contains(String key) {
      lock.lock();
      try {
        return map.containsKey(key);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public List<CachedResponse> values() {
      lock.lock();
      try {
        return new ArrayList<>(map.values());
      } finally {
        lock.unlock();
      }
    }

    @Override
    public long bytes() {
      lock.lock();
      try {
        return bytes;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public long entries() {
      lock.lock();
      try {
        return map.size();
      } finally {
        lock.unlock();
      }
    }
  }
}
