package io.datapunk.nexus.config;

import io.datapunk.nexus.auth.AuthPolicy;
import io.datapunk.nexus.ratelimit.RateLimitPolicy;
import io.datapunk.nexus.sanitize.CorsPolicy;

/**
 * The edge-security settings of one route, read from keys of its {@code service_routes} entry.
 *
 * @param auth {@code auth:} who may call the route (default: anyone)
 * @param rateLimit {@code rate_limit:} per-client and per-service token buckets (default: none)
 * @param cors {@code cors:} cross-origin policy, or null (default: no CORS headers)
 * @param maxBodySize {@code max_body_size}: largest request body for this route, or -1 for
 *     {@code security.limits.max_body_size}
 */
public record RouteSecurity(AuthPolicy auth, RateLimitPolicy rateLimit, CorsPolicy cors, long maxBodySize) {
  public static final RouteSecurity DEFAULTS = new RouteSecurity(AuthPolicy.NONE, RateLimitPolicy.NONE, null, -1);

  static RouteSecurity read(ConfigSection route) {
    AuthPolicy auth = AuthPolicy.read(route.section("auth"));
    RateLimitPolicy rateLimit = RateLimitPolicy.read(route.section("rate_limit"));
    CorsPolicy cors = CorsPolicy.read(route.section("cors"));
    long maxBody = route.size("max_body_size", -1, 0, Long.MAX_VALUE / 2);
    return new RouteSecurity(auth, rateLimit, cors, maxBody);
  }
}
