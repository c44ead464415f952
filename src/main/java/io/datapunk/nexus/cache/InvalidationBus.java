package io.datapunk.nexus.cache;

import io.datapunk.nexus.redis.RedisCluster;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.vertx.core.Vertx;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries invalidation events between instances on one Redis pub/sub channel ({@code nx:c:events}),
 * so every purge reaches every instance's L1 within milliseconds. A subscription that stays down for
 * more than 3 s is replaced by a new one (its node may be gone after a failover); after any gap the
 * instance resynchronizes ({@code onGap}), since it may have missed events.
 */
final class InvalidationBus {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidationBus.class);
  private static final long REPLACE_AFTER_NANOS = 3_000_000_000L;
  private static final long RETRY_NANOS = 2_000_000_000L;

  private final RedisCluster redis;
  private final Vertx vertx;
  private final Consumer<String> onMessage;
  private final Runnable onGap;
  private volatile StatefulRedisClusterPubSubConnection<String, String> connection;
  private volatile boolean connecting;
  private volatile boolean closed;
  private volatile long downSince;
  /** After a failed subscription attempt the next one waits, so a Redis that is down is not hammered. */
  private volatile long nextAttempt = System.nanoTime();
  private long timer = -1;

  InvalidationBus(RedisCluster redis, Vertx vertx, Consumer<String> onMessage, Runnable onGap) {
    this.redis = redis;
    this.vertx = vertx;
    this.onMessage = onMessage;
    this.onGap = onGap;
  }

  void start() {
    timer = vertx.setPeriodic(250, id -> watch());
  }

  /** Whether the subscription is up now. */
  boolean subscribed() {
    StatefulRedisClusterPubSubConnection<String, String> c = connection;
    return c != null && c.isOpen();
  }

  private void watch() {
    if (closed) {
      return;
    }
    StatefulRedisClusterPubSubConnection<String, String> c = connection;
    if (c == null) {
      connect();
      return;
    }
    long now = System.nanoTime();
    if (!c.isOpen()) {
      if (downSince == 0) {
        downSince = now;
      } else if (now - downSince > REPLACE_AFTER_NANOS) {
        LOG.info("response cache: invalidation subscription down for 3 s; opening a new one");
        connection = null;
        c.closeAsync();
      }
    } else if (downSince != 0) {
      downSince = 0;
      onGap.run();
    }
  }

  private void connect() {
    if (connecting || System.nanoTime() - nextAttempt < 0) {
      return;
    }
    connecting = true;
    redis.client().refreshPartitionsAsync()
        .thenCompose(v -> redis.client().connectPubSubAsync(StringCodec.UTF8))
        .thenCompose(c -> {
          c.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
              onMessage.accept(message);
            }
          });
          return c.async().subscribe(CacheKeys.CHANNEL).thenApply(v -> c);
        })
        .whenComplete((c, e) -> {
          connecting = false;
          if (e != null) {
            nextAttempt = System.nanoTime() + RETRY_NANOS;
            return;
          }
          if (closed) {
            c.closeAsync();
            return;
          }
          connection = c;
          downSince = 0;
          // Events sent before this subscription existed were not seen.
          vertx.runOnContext(v -> onGap.run());
        });
  }

  void close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    StatefulRedisClusterPubSubConnection<String, String> c = connection;
    if (c != null) {
      c.closeAsync();
    }
  }
}
