package io.datapunk.nexus.cache;

import io.datapunk.nexus.config.CacheStrategyConfig;
import io.datapunk.nexus.redis.RedisCluster;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared tier (L2) on the Redis Cluster. Every call is optional for its caller: it completes with
 * null (or fails) within {@code redis.command_timeout}, and after repeated failures the tier reports
 * itself unavailable for {@code cache_strategy.redis_retry}, so requests use L1 and the service
 * without waiting on a Redis that is down. Lettuce reconnects and follows failovers by itself; the
 * first call after the pause is the probe.
 */
final class RedisTier {
  private static final Logger LOG = LoggerFactory.getLogger(RedisTier.class);
  private static final int FAILURES_TO_PAUSE = 3;

  /**
   * Compare-and-set of one entry. KEYS: entry, path index, path invalidation mark. ARGV: version,
   * value, ttl ms, index ttl ms. Refuses (0) a version not newer than the path's last invalidation,
   * refuses (-1) a version not newer than the stored entry's, else stores (1). Each key has a TTL.
   */
  static final String CAS = """
      local inv = redis.call('GET', KEYS[3])
      if inv and tonumber(inv) >= tonumber(ARGV[1]) then return 0 end
      local cur = redis.call('GETRANGE', KEYS[1], 0, 15)
      if cur and #cur == 16 and tonumber(cur) and tonumber(cur) >= tonumber(ARGV[1]) then return -1 end
      redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
      redis.call('SADD', KEYS[2], KEYS[1])
      if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
      return 1
      """;

  /**
   * Invalidates one path. KEYS: path index, path invalidation mark. ARGV: version, mark ttl ms, key
   * prefix ("" for all). Deletes the indexed entries (same slot: same hash tag) whose key starts with
   * the prefix and records the version so slower, older writes are refused afterwards.
   */
  static final String INVALIDATE = """
      local n = 0
      for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
        if ARGV[3] == '' or string.sub(k, 1, #ARGV[3]) == ARGV[3] then
          redis.call('DEL', k)
          redis.call('SREM', KEYS[1], k)
          n = n + 1
        end
      end
      local cur = redis.call('GET', KEYS[2])
      if not cur or tonumber(cur) < tonumber(ARGV[1]) then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
      return n
      """;

  /** Adds a key to a tag's set. KEYS: tag set. ARGV: entry key, ttl ms (only ever lengthened). */
  static final String TAG = """
      redis.call('SADD', KEYS[1], ARGV[1])
      if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
      return 1
      """;

  /** Reads a namespace and keeps it alive. KEYS: namespace. ARGV: ttl ms. */
  static final String NAMESPACE = """
      local v = redis.call('GET', KEYS[1])
      if v then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
      return v
      """;

  /** Bumps a namespace. KEYS: namespace. ARGV: ttl ms. */
  static final String BUMP = """
      local v = redis.call('INCR', KEYS[1])
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      return v
      """;

  private final RedisCluster redis;
  private final CacheStrategyConfig config;
  private final CacheStats stats;
  private final long retryNanos;
  private final AtomicInteger failures = new AtomicInteger();
  private volatile StatefulRedisClusterConnection<String, byte[]> connection;
  private volatile long pausedUntil = System.nanoTime();
  /**
   * How long a namespace key lives after its last read (every instance reads it every 5 s): longer
   * than any entry, so a namespace can only expire once every entry written under it has.
   */
  private final long namespaceTtlMillis;

  RedisTier(RedisCluster redis, CacheStrategyConfig config, CacheStats stats, long longestEntryMillis) {
    this.namespaceTtlMillis = Math.max(Duration.ofDays(7).toMillis(), 2 * longestEntryMillis);
    this.redis = redis;
    this.config = config;
    this.stats = stats;
    this.retryNanos = config.redisRetry().toNanos();
  }

  void start(Runnable onConnected) {
    redis.connectInBackground(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE), Duration.ofSeconds(1), c -> {
      connection = c;
      LOG.info("response cache: Redis Cluster connected (L2 on)");
      checkExpectations(c);
      onConnected.run();
    });
  }

  /** Whether L2 is worth asking now. */
  boolean available() {
    StatefulRedisClusterConnection<String, byte[]> c = connection;
    return c != null && c.isOpen() && System.nanoTime() - pausedUntil >= 0;
  }

  CompletionStage<byte[]> get(String key) {
    if (!available()) {
      return CompletableFuture.completedFuture(null);
    }
    return track(connection.async().get(key));
  }

  /** Writes an entry with the compare-and-set; completes with 1 (stored), 0 or -1 (refused), or null (no Redis). */
  CompletionStage<Long> write(CachedResponse e, byte[] value, long ttlMillis, long indexTtlMillis) {
    if (!available()) {
      return CompletableFuture.completedFuture(null);
    }
    String[] keys = {e.key, CacheKeys.index(e.route, e.path), CacheKeys.invalidated(e.route, e.path)};
    CompletionStage<Long> cas = track(connection.async().eval(CAS, ScriptOutputType.INTEGER, keys,
        bytes(EntryCodec.versionDigits(e.version)), value, bytes(Long.toString(ttlMillis)),
        bytes(Long.toString(indexTtlMillis))));
    return cas.thenApply(r -> {
      if (r != null && r == 1L) {
        for (String tag : e.tags) {
          track(connection.async().eval(TAG, ScriptOutputType.INTEGER, new String[] {CacheKeys.tag(tag)},
              bytes(e.key), bytes(Long.toString(indexTtlMillis))));
        }
      }
      return r;
    });
  }

  CompletionStage<Long> invalidate(String route, String path, String keyPrefix, long version, long markTtlMillis) {
    if (!available()) {
      return CompletableFuture.completedFuture(null);
    }
    return track(connection.async().eval(INVALIDATE, ScriptOutputType.INTEGER,
        new String[] {CacheKeys.index(route, path), CacheKeys.invalidated(route, path)},
        bytes(Long.toString(version)), bytes(Long.toString(markTtlMillis)), bytes(keyPrefix)));
  }

  /** The route's namespace version (0 when never bumped), or a failed stage when Redis cannot say. */
  CompletionStage<Long> namespace(String route) {
    StatefulRedisClusterConnection<String, byte[]> c = connection;
    if (c == null || !c.isOpen()) {
      return CompletableFuture.failedFuture(new IllegalStateException("redis not connected"));
    }
    CompletionStage<byte[]> v = track(c.async().eval(NAMESPACE, ScriptOutputType.VALUE,
        new String[] {CacheKeys.namespace(route)}, bytes(Long.toString(namespaceTtlMillis))));
    return v.thenApply(x -> x == null ? 0L : Long.parseLong(new String(x, StandardCharsets.US_ASCII)));
  }

  CompletionStage<Long> bumpNamespace(String route) {
    StatefulRedisClusterConnection<String, byte[]> c = connection;
    if (c == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("redis not connected"));
    }
    return track(c.async().eval(BUMP, ScriptOutputType.INTEGER, new String[] {CacheKeys.namespace(route)},
        bytes(Long.toString(namespaceTtlMillis))));
  }

  CompletionStage<Long> publish(String message) {
    StatefulRedisClusterConnection<String, byte[]> c = connection;
    if (c == null) {
      return CompletableFuture.completedFuture(null);
    }
    return track(c.async().publish(CacheKeys.CHANNEL, bytes(message)));
  }

  /** Deletes the entries listed under a tag, and the tag; completes with how many keys went. */
  CompletionStage<Long> purgeTag(String tag) {
    StatefulRedisClusterConnection<String, byte[]> c = connection;
    if (c == null) {
      return CompletableFuture.completedFuture(0L);
    }
    String tagKey = CacheKeys.tag(tag);
    return track(c.async().smembers(tagKey)).thenCompose(members -> {
      List<String> keys = new ArrayList<>();
      for (byte[] m : members) {
        keys.add(new String(m, StandardCharsets.UTF_8));
      }
      keys.add(tagKey);
      return track(c.async().del(keys.toArray(new String[0])));
    });
  }

  /**
   * Deletes every key of the route's paths under a prefix (entries, indexes, marks), scanning the
   * whole cluster: an admin operation, run on a worker thread.
   */
  long purgePrefixBlocking(String route, String pathPrefix) {
    StatefulRedisClusterConnection<String, byte[]> c = connection;
    if (c == null) {
      return 0;
    }
    String match = CacheKeys.globEscape(CacheKeys.PREFIX + '{' + route + ':' + pathPrefix) + '*';
    long n = 0;
    var sync = c.sync();
    sync.setTimeout(Duration.ofSeconds(10));
    KeyScanCursor<String> cursor = sync.scan(ScanArgs.Builder.matches(match).limit(1000));
    while (true) {
      if (!cursor.getKeys().isEmpty()) {
        n += sync.del(cursor.getKeys().toArray(new String[0]));
      }
      if (cursor.isFinished()) {
        break;
      }
      cursor = sync.scan(cursor, ScanArgs.Builder.matches(match).limit(1000));
    }
    return n;
  }

  private <T> CompletionStage<T> track(CompletionStage<T> stage) {
    return stage.whenComplete((v, e) -> {
      if (e == null) {
        failures.set(0);
      } else {
        stats.redisErrors.increment();
        if (failures.incrementAndGet() >= FAILURES_TO_PAUSE) {
          pausedUntil = System.nanoTime() + retryNanos;
        }
      }
    });
  }

  /** Warns when the cluster differs from what {@code cache_strategy.distributed_cache.primary} expects. */
  private void checkExpectations(StatefulRedisClusterConnection<String, byte[]> c) {
    try {
      int masters = 0;
      int replicas = 0;
      for (RedisClusterNode node : c.getPartitions()) {
        if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
          masters++;
        } else if (node.is(RedisClusterNode.NodeFlag.REPLICA)) {
          replicas++;
        }
      }
      if (masters != config.primaryNodes()) {
        LOG.warn("response cache: the Redis Cluster has {} masters; cache_strategy.distributed_cache.primary.nodes expects {}",
            masters, config.primaryNodes());
      }
      int copies = masters == 0 ? 0 : 1 + replicas / masters;
      if (copies < config.replicationFactor()) {
        LOG.warn("response cache: the Redis Cluster keeps {} copies of each slot; primary.replication_factor expects {}",
            copies, config.replicationFactor());
      }
      c.async().configGet("maxmemory-policy", "maxmemory").whenComplete((m, e) -> {
        if (e != null || m == null) {
          return;
        }
        warnIfDifferent(m, "maxmemory-policy", config.maxMemoryPolicy());
        String max = m.get("maxmemory");
        if (max != null && !max.equals(Long.toString(config.maxMemory()))) {
          LOG.warn("response cache: Redis maxmemory is {} bytes; primary.configuration.maxmemory expects {}", max,
              config.maxMemory());
        }
      });
    } catch (RuntimeException e) {
      LOG.debug("response cache: could not check the cluster's settings", e);
    }
  }

  private static void warnIfDifferent(Map<String, String> m, String key, String expected) {
    String actual = m.get(key);
    if (actual != null && !actual.equals(expected)) {
      LOG.warn("response cache: Redis {} is {}; primary.configuration.{} expects {} (every cache key has a TTL)",
          key, actual, key, expected);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
