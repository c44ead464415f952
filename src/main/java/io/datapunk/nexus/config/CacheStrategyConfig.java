package io.datapunk.nexus.config;

import java.time.Duration;
import java.util.Locale;

/**
 * The proposal's {@code cache_strategy:} block, as written, plus the gateway-wide cache settings
 * Nexus adds. {@code distributed_cache.primary} describes the Redis Cluster the operator runs (Nexus
 * reaches it through {@code redis.nodes} and checks it against these expectations at start);
 * {@code distributed_cache.secondary} sizes the local tier (L1) of each instance.
 *
 * @param primaryNodes {@code primary.nodes}: masters the cluster is expected to have (default 3)
 * @param replicationFactor {@code primary.replication_factor}: copies of each slot expected, master
 *     included (default 2)
 * @param maxMemory {@code primary.configuration.maxmemory} expected on each node, bytes (default 4gb)
 * @param maxMemoryPolicy {@code primary.configuration.maxmemory-policy} expected (default volatile-lru;
 *     every key Nexus writes has a TTL, so volatile-* policies apply to all of them)
 * @param localSize {@code secondary.size}: bytes the local tier may hold (default 256mb; capped at a
 *     quarter of the JVM heap, with a warning)
 * @param eviction {@code secondary.eviction}: {@code lru} (strict least recently used) or
 *     {@code w-tinylfu} (Caffeine's frequency-aware policy; {@code lfu} and {@code tinylfu} are aliases)
 * @param maxBodySize largest response body stored; larger ones stream through uncached (default 1mb)
 * @param compressMinSize bodies at least this large are deflated in Redis (default 4kb)
 * @param warmInterval how often the routes' {@code cache.warm} paths are fetched again (default 60s)
 * @param hotKeyMinHits hits within one entry's life that make it hot: refreshed before it expires
 *     (default 10; 0 turns hot-key refresh off)
 * @param hotKeyRefreshBefore how long before expiry a hot entry is refreshed (default 5s)
 * @param redisRetry after Redis failed repeatedly, how long the cache works from L1 only before
 *     trying Redis again (default 1s)
 */
public record CacheStrategyConfig(int primaryNodes, int replicationFactor, long maxMemory, String maxMemoryPolicy,
                                  long localSize, String eviction, long maxBodySize, long compressMinSize,
                                  Duration warmInterval, int hotKeyMinHits, Duration hotKeyRefreshBefore,
                                  Duration redisRetry) {
  public static final long DEFAULT_LOCAL_SIZE = 256L << 20;
  public static final long DEFAULT_MAX_BODY_SIZE = 1L << 20;
  public static final long MAX_BODY_SIZE_LIMIT = 64L << 20;
  public static final long DEFAULT_COMPRESS_MIN_SIZE = 4L << 10;
  public static final Duration DEFAULT_WARM_INTERVAL = Duration.ofSeconds(60);
  public static final Duration DEFAULT_HOT_REFRESH_BEFORE = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REDIS_RETRY = Duration.ofSeconds(1);
  static final String[] POLICIES = {"volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random",
      "allkeys-random", "volatile-ttl", "noeviction"};

  public static final CacheStrategyConfig DEFAULTS = new CacheStrategyConfig(3, 2, 4L << 30, "volatile-lru",
      DEFAULT_LOCAL_SIZE, "lru", DEFAULT_MAX_BODY_SIZE, DEFAULT_COMPRESS_MIN_SIZE, DEFAULT_WARM_INTERVAL, 10,
      DEFAULT_HOT_REFRESH_BEFORE, DEFAULT_REDIS_RETRY);

  /** Whether the local tier uses Caffeine's W-TinyLFU (otherwise strict LRU). */
  public boolean tinyLfu() {
    return !"lru".equals(eviction);
  }

  static CacheStrategyConfig read(ConfigSection s) {
    ConfigSection distributed = s.section("distributed_cache");
    ConfigSection primary = distributed.section("primary");
    primary.oneOf("type", "redis_cluster", "redis_cluster");
    int nodes = primary.integer("nodes", 3, 1, 1000);
    int replication = primary.integer("replication_factor", 2, 1, 10);
    ConfigSection redisConf = primary.section("configuration");
    long maxMemory = redisConf.size("maxmemory", 4L << 30, 1L << 20, 1L << 50);
    String policy = redisConf.oneOf("maxmemory-policy", "volatile-lru", POLICIES);
    redisConf.finish();
    primary.finish();
    ConfigSection secondary = distributed.section("secondary");
    secondary.oneOf("type", "local_memory", "local_memory");
    long size = secondary.size("size", DEFAULT_LOCAL_SIZE, 1L << 20, 1L << 40);
    String eviction = secondary.oneOf("eviction", "lru", "lru", "w-tinylfu", "tinylfu", "lfu");
    secondary.finish();
    distributed.finish();
    long maxBody = s.size("max_body_size", DEFAULT_MAX_BODY_SIZE, 0, MAX_BODY_SIZE_LIMIT);
    long compress = s.size("compress_min_size", DEFAULT_COMPRESS_MIN_SIZE, 0, 1L << 30);
    ConfigSection warming = s.section("warming");
    Duration interval = warming.duration("interval", DEFAULT_WARM_INTERVAL, false);
    ConfigSection hot = warming.section("hot_keys");
    int minHits = hot.integer("min_hits", 10, 0, Integer.MAX_VALUE);
    Duration before = hot.duration("refresh_before", DEFAULT_HOT_REFRESH_BEFORE, false);
    hot.finish();
    warming.finish();
    Duration retry = s.duration("redis_retry", DEFAULT_REDIS_RETRY, false);
    s.finish();
    return new CacheStrategyConfig(nodes, replication, maxMemory, policy, size,
        eviction.toLowerCase(Locale.ROOT).equals("lru") ? "lru" : "w-tinylfu", maxBody, compress, interval, minHits,
        before, retry);
  }
}
