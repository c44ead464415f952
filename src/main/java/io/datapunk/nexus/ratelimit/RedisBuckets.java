package io.datapunk.nexus.ratelimit;

import io.datapunk.nexus.redis.RedisCluster;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token buckets shared by every gateway instance, kept in the Redis Cluster and updated by one Lua
 * script per request (atomic; the bucket's key carries a hash tag so it lives in one slot; time is the
 * Redis server's, so instance clocks do not matter).
 *
 * <p>Availability: a call never waits longer than {@code redis.command_timeout}. After a failure or
 * timeout the shared state is not asked again for {@link #BACKOFF} (callers use their local buckets,
 * or refuse, per route), so an outage costs at most one timeout per second, not one per request.
 */
final class RedisBuckets implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisBuckets.class);
  static final Duration BACKOFF = Duration.ofSeconds(1);
  /** Thrown (as a failed stage) when the shared state is not asked. */
  static final Exception UNAVAILABLE = new Exception("shared rate-limit state unavailable", null, false, false) {};

  static final String SCRIPT = """
      local cap = tonumber(ARGV[1])
      local rate = tonumber(ARGV[2])
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local b = redis.call('HMGET', KEYS[1], 't', 'ts')
      local tokens = tonumber(b[1])
      local ts = tonumber(b[2])
      if tokens == nil or ts == nil then tokens = cap; ts = now end
      if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate) end
      local allowed = 0
      if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
      redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      return {allowed, tostring(tokens)}
      """;
  private static final String SHA = sha1(SCRIPT);

  private final RedisCluster cluster;
  private final long timeoutMillis;
  private volatile StatefulRedisClusterConnection<String, String> connection;
  private volatile long skipUntilNanos;
  private volatile boolean healthy = true;

  RedisBuckets(RedisCluster cluster) {
    this.cluster = cluster;
    this.timeoutMillis = cluster.config().commandTimeout().toMillis();
    cluster.connectInBackground(StringCodec.UTF8, Duration.ofSeconds(1), c -> {
      // SCRIPT LOAD goes to every node: it opens the connection to each master up front and spares
      // the first request per node a NOSCRIPT round trip.
      c.async().scriptLoad(SCRIPT).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).whenComplete((sha, e) -> {
        connection = c;
        LOG.info("rate limits: shared buckets in the Redis Cluster{}", e == null ? "" : " (script not preloaded)");
      });
    });
  }

  /**
   * Takes a token from the shared bucket {@code key}: completes with the tokens left (negative when
   * refused), or fails (at the latest after the command timeout) when the shared state cannot be used.
   */
  CompletionStage<Double> take(String key, Limit limit) {
    StatefulRedisClusterConnection<String, String> c = connection;
    if (c == null || System.nanoTime() < skipUntilNanos) {
      return CompletableFuture.failedFuture(UNAVAILABLE);
    }
    double perMilli = limit.rate() / (double) limit.per().toMillis();
    long ttl = Math.max(1000, (long) Math.ceil(2 * limit.burst() / perMilli));
    String[] keys = {key};
    String[] args = {Integer.toString(limit.burst()), Double.toString(perMilli), Long.toString(ttl)};
    CompletableFuture<Double> out = new CompletableFuture<>();
    c.async().<List<Object>>evalsha(SHA, ScriptOutputType.MULTI, keys, args)
        .handle((r, e) -> {
          if (e instanceof RedisNoScriptException || (e != null && e.getCause() instanceof RedisNoScriptException)) {
            c.async().<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args)
                .whenComplete((r2, e2) -> complete(out, r2, e2));
          } else {
            complete(out, r, e);
          }
          return null;
        });
    // Lettuce enforces the command timeout; this bounds the wait even if a reply were never delivered.
    return out.orTimeout(timeoutMillis + 20, TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
      if (e != null) {
        skipUntilNanos = System.nanoTime() + BACKOFF.toNanos();
        if (healthy) {
          healthy = false;
          Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
          LOG.warn("rate limits: the shared state in Redis failed ({}); routes use their on_redis_failure policy until it answers again",
              cause.getClass().getSimpleName());
        }
      } else if (!healthy) {
        healthy = true;
        LOG.info("rate limits: the shared state in Redis answers again");
      }
    });
  }

  private static void complete(CompletableFuture<Double> out, List<Object> reply, Throwable error) {
    if (error != null) {
      out.completeExceptionally(error);
      return;
    }
    try {
      long allowed = ((Number) reply.get(0)).longValue();
      double tokens = Double.parseDouble(String.valueOf(reply.get(1)));
      out.complete(allowed == 1 ? tokens : tokens - 1);
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
    }
  }

  @Override
  public void close() {
    cluster.close();
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
