package io.datapunk.nexus.config;

import io.datapunk.nexus.observability.ObservabilityConfig;
import java.util.List;

/**
 * The whole gateway configuration: an immutable snapshot, built once by {@link ConfigLoader} and
 * swapped as a unit.
 *
 * @param server data-plane listener ({@code server:})
 * @param admin admin-plane listener ({@code admin:})
 * @param routes {@code service_routes:}, in file order
 * @param pool {@code network_optimization.connection_pooling:}
 * @param compression {@code network_optimization.compression:}
 * @param redis {@code redis:} the shared Redis Cluster (disabled when it lists no nodes)
 * @param discovery {@code discovery:} (static instances or Consul)
 * @param observability {@code observability:} (metrics, access and audit logs, dashboard)
 * @param cache {@code cache_strategy:} the response cache's tiers (per-route policy is in each route)
 * @param reload {@code reload:} hot reload of the config file
 * @param apiGateway {@code api_gateway:} the proposal's high-availability block (the deployment around Nexus)
 * @param security {@code security:} edge security (limits, JWT, API keys, rate limits, response rules)
 */
public record NexusConfig(ServerConfig server, AdminConfig admin, List<RouteConfig> routes, PoolConfig pool,
                          CompressionConfig compression, RedisConfig redis, DiscoveryConfig discovery,
                          ObservabilityConfig observability, CacheStrategyConfig cache, ReloadConfig reload,
                          ApiGatewayConfig apiGateway, SecurityConfig security) {
  /** A configuration with static discovery and the default observability, cache, reload and high-availability settings. */
  public NexusConfig(ServerConfig server, AdminConfig admin, List<RouteConfig> routes, PoolConfig pool,
                     CompressionConfig compression, RedisConfig redis) {
    this(server, admin, routes, pool, compression, redis, DiscoveryConfig.defaults());
  }

  /** A configuration with the default observability, cache, reload and high-availability settings. */
  public NexusConfig(ServerConfig server, AdminConfig admin, List<RouteConfig> routes, PoolConfig pool,
                     CompressionConfig compression, RedisConfig redis, DiscoveryConfig discovery) {
    this(server, admin, routes, pool, compression, redis, discovery, ObservabilityConfig.defaults());
  }

  /** A configuration with the default cache, reload, high-availability and security settings. */
  public NexusConfig(ServerConfig server, AdminConfig admin, List<RouteConfig> routes, PoolConfig pool,
                     CompressionConfig compression, RedisConfig redis, DiscoveryConfig discovery,
                     ObservabilityConfig observability) {
    this(server, admin, routes, pool, compression, redis, discovery, observability, CacheStrategyConfig.DEFAULTS,
        ReloadConfig.defaults(), ApiGatewayConfig.defaults(), SecurityConfig.DEFAULTS);
  }
}
