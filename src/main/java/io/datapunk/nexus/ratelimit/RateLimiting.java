package io.datapunk.nexus.ratelimit;

import io.datapunk.nexus.observability.AuditLog;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.RouteFilterFactory;
import io.datapunk.nexus.pipeline.Stage;
import io.datapunk.nexus.redis.RedisCluster;
import java.util.function.LongSupplier;

/**
 * The rate-limit runtime of one gateway: the shared Redis buckets when {@code redis.nodes} is set, the trusted proxies for the
 * client address, and the factory of the RATE_LIMIT filter for routes with a {@code rate_limit}.
 */
public final class RateLimiting implements RouteFilterFactory, AutoCloseable {
  /** Most local buckets kept per route and kind; beyond it the least recently used are dropped (a new client starts full). */
  static final int MAX_LOCAL_BUCKETS = 100_000;

  private final RedisBuckets shared;
  private final TrustedProxies proxies;
  private final AuditLog audit;
  private final LongSupplier nanos;

  RateLimiting(RedisBuckets shared, TrustedProxies proxies, AuditLog audit, LongSupplier nanos) {
    this.shared = shared;
    this.proxies = proxies;
    this.audit = audit;
    this.nanos = nanos;
  }

  /** The runtime for a config; shared buckets only when the config names Redis nodes. */
  public static RateLimiting start(NexusConfig config, AuditLog audit) {
    boolean anyLimit = config.routes().stream().anyMatch(r -> r.security().rateLimit().enabled());
    RedisBuckets shared = null;
    if (anyLimit && config.redis().enabled()) {
      shared = new RedisBuckets(RedisCluster.create(config.redis()));
    }
    return new RateLimiting(shared, new TrustedProxies(config.security().trustedProxies()), audit, System::nanoTime);
  }

  public TrustedProxies proxies() {
    return proxies;
  }

  @Override
  public Stage stage() {
    return Stage.RATE_LIMIT;
  }

  @Override
  public Filter create(RouteConfig route, NexusConfig config) {
    RateLimitPolicy policy = route.security().rateLimit();
    return policy.enabled() ? new RateLimitFilter(route.name(), policy, this) : null;
  }

  long nanos() {
    return nanos.getAsLong();
  }

  RedisBuckets shared() {
    return shared;
  }

  AuditLog audit() {
    return audit;
  }

  @Override
  public void close() {
    if (shared != null) {
      shared.close();
    }
  }
}
