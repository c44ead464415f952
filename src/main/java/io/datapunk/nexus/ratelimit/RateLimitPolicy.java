package io.datapunk.nexus.ratelimit;

import io.datapunk.nexus.config.ConfigSection;

/**
 * A route's rate limits ({@code service_routes.NAME.rate_limit:}).
 *
 * @param client per client: the authenticated client id (JWT client, API key id), else the client
 *     address; null for none
 * @param service for the route as a whole (all clients together); null for none
 * @param failClosed what happens while the shared Redis state cannot be reached: false (default,
 *     {@code on_redis_failure: open}) decides with this instance's local buckets, true
 *     ({@code closed}) refuses with 503
 */
public record RateLimitPolicy(Limit client, Limit service, boolean failClosed) {
  public static final RateLimitPolicy NONE = new RateLimitPolicy(null, null, false);

  public boolean enabled() {
    return client != null || service != null;
  }

  public static RateLimitPolicy read(ConfigSection s) {
    Limit client = s.has("client") ? Limit.read(s.section("client")) : null;
    Limit service = s.has("service") ? Limit.read(s.section("service")) : null;
    s.accept("client", "service");
    boolean closed = "closed".equals(s.oneOf("on_redis_failure", "open", "open", "closed"));
    s.finish();
    return new RateLimitPolicy(client, service, closed);
  }
}
