package io.datapunk.nexus.redis;

import io.datapunk.nexus.config.RedisConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's client of the shared Redis Cluster (Lettuce): adaptive and periodic topology refresh
 * so a master failover is followed without restart, a per-command timeout so no caller waits on a
 * slow Redis longer than {@code redis.command_timeout}, and connections that are opened in the
 * background and re-opened after failures, so a Redis that is down at start never stops the gateway.
 * Callers treat every Redis result as optional and fall back to local state.
 */
public final class RedisCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);

  private final RedisConfig config;
  private final ClientResources resources;
  private final RedisClusterClient client;
  private volatile boolean closed;

  private RedisCluster(RedisConfig config) {
    this.config = config;
    this.resources = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
    List<RedisURI> seeds = new ArrayList<>();
    for (String node : config.nodes()) {
      int colon = node.lastIndexOf(':');
      RedisURI.Builder uri = RedisURI.builder().withHost(node.substring(0, colon))
          .withPort(Integer.parseInt(node.substring(colon + 1)))
          .withTimeout(config.commandTimeout());
      if (config.password() != null) {
        uri.withPassword(config.password().toCharArray());
      }
      seeds.add(uri.build());
    }
    this.client = RedisClusterClient.create(resources, seeds);
    client.setOptions(ClusterClientOptions.builder()
        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
            .enableAllAdaptiveRefreshTriggers()
            .adaptiveRefreshTriggersTimeout(java.time.Duration.ofMillis(500))
            .enablePeriodicRefresh(config.topologyRefresh())
            .dynamicRefreshSources(true)
            .build())
        .socketOptions(SocketOptions.builder().connectTimeout(config.connectTimeout()).keepAlive(true).build())
        .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
        // Commands issued while disconnected fail at once instead of queueing behind a dead node.
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .autoReconnect(true)
        .validateClusterNodeMembership(false)
        .build());
  }

  /** A client for the configured cluster, or null when {@code redis.nodes} is empty. */
  public static RedisCluster create(RedisConfig config) {
    return config.enabled() ? new RedisCluster(config) : null;
  }

  public RedisConfig config() {
    return config;
  }

  /** Opens a cluster connection with string keys and values. */
  public CompletionStage<StatefulRedisClusterConnection<String, String>> connectStrings() {
    return connect(StringCodec.UTF8);
  }

  /** Opens a cluster connection with string keys and byte-array values. */
  public CompletionStage<StatefulRedisClusterConnection<String, byte[]>> connectBytes() {
    return connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
  }

  private <K, V> CompletionStage<StatefulRedisClusterConnection<K, V>> connect(RedisCodec<K, V> codec) {
    CompletableFuture<StatefulRedisClusterConnection<K, V>> out = new CompletableFuture<>();
    // The async connect needs the slot map first; loading it is async too.
    client.refreshPartitionsAsync().thenCompose(v -> client.connectAsync(codec)).whenComplete((c, e) -> {
      if (e != null) {
        LOG.warn("redis cluster not reachable yet ({}): using local state until it is",
            e.getClass().getSimpleName());
        out.completeExceptionally(e);
      } else {
        c.setTimeout(config.commandTimeout());
        out.complete(c);
      }
    });
    return out;
  }

  /**
   * Connects in the background, retrying every {@code retry} until the cluster answers, then hands
   * the connection to {@code onConnected} (once). Lettuce reconnects an established connection by
   * itself after that.
   */
  public <K, V> void connectInBackground(RedisCodec<K, V> codec, java.time.Duration retry,
                                         java.util.function.Consumer<StatefulRedisClusterConnection<K, V>> onConnected) {
    connect(codec).whenComplete((c, e) -> {
      if (e == null) {
        onConnected.accept(c);
      } else if (!closed) {
        resources.eventExecutorGroup().schedule(() -> connectInBackground(codec, retry, onConnected),
            retry.toMillis(), TimeUnit.MILLISECONDS);
      }
    });
  }

  /** The underlying Lettuce client, for pub/sub and scripting. */
  public RedisClusterClient client() {
    return client;
  }

  @Override
  public void close() {
    closed = true;
    client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
