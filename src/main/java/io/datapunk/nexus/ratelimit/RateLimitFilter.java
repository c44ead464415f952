package io.datapunk.nexus.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.time.Duration;

/**
 * The RATE_LIMIT stage of a route: the client's bucket (authenticated client id, else client address),
 * then the route's own bucket. A refused request gets 429 with {@code Retry-After} and
 * {@code RateLimit-Limit} (the bucket size), {@code RateLimit-Remaining} and {@code RateLimit-Reset}
 * (seconds until the bucket is full again); admitted responses carry the same three headers for the
 * client bucket (or the route's when there is none).
 *
 * <p>With Redis configured the buckets are shared by all instances. When the shared state cannot be
 * reached in time, the route's {@code on_redis_failure} decides: {@code open} uses this instance's
 * local bucket (the limit then holds per instance: availability over precision, as a gateway in
 * front of every service must not go down with its cache), {@code closed} answers 503. The local
 * bucket mirrors every shared answer, so a fall-back continues from the shared count rather than
 * from a full bucket. Neither waits longer than the Redis command timeout nor ever answers 500.
 *
 * <p>Local buckets are kept per route, by client id and by address in two bounded maps (at most
 * {@link RateLimiting#MAX_LOCAL_BUCKETS} each; idle ones are forgotten after 10 minutes).
 */
final class RateLimitFilter implements Filter {
  static final CharSequence LIMIT = HttpHeaders.createOptimized("RateLimit-Limit");
  static final CharSequence REMAINING = HttpHeaders.createOptimized("RateLimit-Remaining");
  static final CharSequence RESET = HttpHeaders.createOptimized("RateLimit-Reset");
  static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");

  private final String route;
  private final RateLimitPolicy policy;
  private final RateLimiting runtime;
  private final String serviceKey;
  private final String clientKeyPrefix;
  private final Cache<String, TokenBucket> byClientId;
  private final Cache<String, TokenBucket> byAddress;
  private final TokenBucket service;

  RateLimitFilter(String route, RateLimitPolicy policy, RateLimiting runtime) {
    this.route = route;
    this.policy = policy;
    this.runtime = runtime;
    this.serviceKey = "nexus:rl:{svc:" + route + "}";
    this.clientKeyPrefix = "nexus:rl:{" + route + ":";
    this.byClientId = policy.client() == null ? null : buckets();
    this.byAddress = policy.client() == null ? null : buckets();
    this.service = policy.service() == null ? null : new TokenBucket(policy.service(), runtime.nanos());
  }

  private static Cache<String, TokenBucket> buckets() {
    // Maintenance (expiry, the access-order buffers) runs on the calling event loop, a few entries at
    // a time: on the common pool it woke another thread every few hundred requests (4 % of the core
    // under the bench's full pipeline).
    return Caffeine.newBuilder().maximumSize(RateLimiting.MAX_LOCAL_BUCKETS).expireAfterAccess(Duration.ofMinutes(10))
        .executor(Runnable::run).build();
  }

  @Override
  public void onRequest(Exchange exchange) {
    if (policy.client() != null) {
      String id = exchange.clientId();
      if (id != null) {
        check(exchange, byClientId, id, true, policy.client());
      } else {
        check(exchange, byAddress, runtime.proxies().clientAddress(exchange.request()), false, policy.client());
      }
    } else {
      check(exchange, null, null, false, policy.service());
    }
  }

  /** The local bucket for a client ({@code who} in {@code buckets}), or the route's ({@code buckets} null). */
  private TokenBucket local(Cache<String, TokenBucket> buckets, String who, Limit limit) {
    if (buckets == null) {
      return service;
    }
    TokenBucket b = buckets.getIfPresent(who);
    return b != null ? b : buckets.get(who, k -> new TokenBucket(limit, runtime.nanos()));
  }

  /** Checks one bucket; after the client's, the route's; then proceeds. */
  private void check(Exchange exchange, Cache<String, TokenBucket> buckets, String who, boolean byId, Limit limit) {
    boolean isClient = buckets != null;
    RedisBuckets shared = runtime.shared();
    if (shared == null) {
      decided(exchange, isClient, limit, local(buckets, who, limit).take(runtime.nanos()), false);
      return;
    }
    String key = isClient ? clientKeyPrefix + (byId ? "c:" : "ip:") + who + "}" : serviceKey;
    Context context = Vertx.currentContext();
    shared.take(key, limit).whenComplete((left, error) -> context.runOnContext(v -> {
      if (error == null) {
        local(buckets, who, limit).mirror(left, runtime.nanos());
        decided(exchange, isClient, limit, left, false);
      } else if (policy.failClosed()) {
        decided(exchange, isClient, limit, 0, true);
      } else {
        decided(exchange, isClient, limit, local(buckets, who, limit).take(runtime.nanos()), false);
      }
    }));
  }

  private void decided(Exchange exchange, boolean isClient, Limit limit, double left, boolean unavailable) {
    if (exchange.request().response().ended()) {
      return;
    }
    if (unavailable) {
      io.vertx.core.net.SocketAddress remote = exchange.request().remoteAddress();
      runtime.audit().event("rate_limit_unavailable", remote == null ? null : remote.hostAddress(), exchange.requestId(),
          java.util.Map.of("route", route, "limit", isClient ? "client" : "service"));
      exchange.errorHeaders().set(RETRY_AFTER, "1");
      exchange.fail(GatewayError.UNAVAILABLE, "Rate limits cannot be checked right now; try again shortly.");
      return;
    }
    if (left < 0) {
      // The audit log's exchange listener records the refusal (rate_limited).
      long retry = Math.max(1, (long) Math.ceil((-left) / limit.perSecond()));
      MultiMap h = exchange.errorHeaders();
      h.set(RETRY_AFTER, Long.toString(retry));
      headers(h, limit, 0);
      exchange.fail(GatewayError.RATE_LIMIT, isClient ? "Too many requests from this client; slow down."
          : "Too many requests for this service; slow down.");
      return;
    }
    if (isClient || policy.client() == null) {
      headers(exchange.request().response().headers(), limit, left);
    }
    if (isClient && policy.service() != null) {
      check(exchange, null, null, false, policy.service());
    } else {
      exchange.proceed();
    }
  }

  private static void headers(MultiMap h, Limit limit, double left) {
    long reset = (long) Math.ceil((limit.burst() - Math.max(0, left)) / limit.perSecond());
    h.set(LIMIT, limit.burstText());
    h.set(REMAINING, Long.toString((long) Math.max(0, Math.floor(left))));
    h.set(RESET, Long.toString(Math.max(0, reset)));
  }
}
