package io.datapunk.nexus.config;

import java.net.URI;
import java.time.Duration;

/**
 * One entry of {@code service_routes:}: requests whose path starts with {@code prefix} go to the
 * service.
 *
 * @param name the service name (the key under {@code service_routes})
 * @param prefix path prefix matched on segment boundaries (longest prefix wins)
 * @param serviceUrl base URL of the service ({@code http://host:port}, optional base path); null when the
 *     route lists {@code instances} or uses Consul without it
 * @param timeout end-to-end limit for one request including retries (seconds; default 30)
 * @param retryAttempts retries after the first attempt (default 0)
 * @param stripPrefix remove the prefix before forwarding (default true)
 * @param rewrite path rewrite after prefix handling
 * @param requestHeaders header changes on the way to the service
 * @param responseHeaders header changes on the way back to the client
 * @param query query-string changes on the way to the service
 * @param upstream instances, load balancing, health checks, retry policy and circuit breaker
 * @param idleTimeout once the response head has arrived (a streamed body, server-sent events) or a
 *     WebSocket is open, the exchange is closed when no byte has passed for this long (default 60s);
 *     the route {@code timeout} does not cut a stream that keeps flowing
 * @param http2 speak HTTP/2 to the service (default false: HTTP/1.1): h2 by ALPN for https, h2c with
 *     prior knowledge for http (applies to the pool of every instance)
 * @param cache the route's response cache policy ({@code cache:}; off when absent)
 * @param security edge security of the route (auth policy, rate limit, CORS, body limit)
 */
public record RouteConfig(String name, String prefix, URI serviceUrl, Duration timeout, int retryAttempts,
                          boolean stripPrefix, RewriteConfig rewrite, HeaderRules requestHeaders,
                          HeaderRules responseHeaders, QueryRules query, UpstreamConfig upstream,
                          Duration idleTimeout, boolean http2, RouteCacheConfig cache, RouteSecurity security) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** A route with a single {@code service_url} instance, the default upstream policy, idle timeout and HTTP/1.1. */
  public RouteConfig(String name, String prefix, URI serviceUrl, Duration timeout, int retryAttempts,
                     boolean stripPrefix, RewriteConfig rewrite, HeaderRules requestHeaders,
                     HeaderRules responseHeaders, QueryRules query) {
    this(name, prefix, serviceUrl, timeout, retryAttempts, stripPrefix, rewrite, requestHeaders, responseHeaders, query,
        UpstreamConfig.defaults(), DEFAULT_IDLE_TIMEOUT, false, RouteCacheConfig.OFF, RouteSecurity.DEFAULTS);
  }

  /**
   * The base path of {@code service_url} ("" when it has none or the route lists {@code instances}),
   * prepended to every forwarded path.
   */
  public String basePath() {
    return ServiceUrls.basePath(serviceUrl);
  }

  static RouteConfig read(String name, ConfigSection s) {
    return read(name, s, UpstreamConfig.STATIC);
  }

  static RouteConfig read(String name, ConfigSection s, String defaultDiscovery) {
    String prefix = s.requiredString("prefix");
    if (prefix != null && (!prefix.startsWith("/") || prefix.contains("?") || prefix.contains("#"))) {
      s.error("prefix", prefix, "a path starting with /, without query or fragment");
    }
    UpstreamConfig upstream = UpstreamConfig.read(name, s, defaultDiscovery);
    // service_url is the proposal's single instance; a static route may list instances instead, and a
    // Consul route takes only the scheme and base path from it.
    boolean needsUrl = UpstreamConfig.STATIC.equals(upstream.discovery()) && upstream.instances().isEmpty()
        && !s.has("instances");
    URI uri = ServiceUrls.read(s, "service_url", needsUrl);
    if (uri != null && !upstream.instances().isEmpty()) {
      s.error("instances", "a list", "either service_url or instances, not both");
    }
    if (UpstreamConfig.CONSUL.equals(upstream.discovery()) && s.has("instances")) {
      s.error("instances", "a list", "no instances when discovery is consul (Consul lists them)");
    }
    if (s.has("instances") && upstream.instances().isEmpty() && UpstreamConfig.STATIC.equals(upstream.discovery())) {
      s.error("instances", "an empty list", "at least one instance");
    }
    for (int i = 1; i < upstream.instances().size(); i++) {
      String first = upstream.instances().get(0).url().getScheme();
      if (!first.equals(upstream.instances().get(i).url().getScheme())) {
        s.error("instances[" + i + "].url", upstream.instances().get(i).url().toString(),
            "the same scheme as instances[0] (" + first + ")");
      }
    }
    Duration timeout = s.duration("timeout", DEFAULT_TIMEOUT, false);
    int retries = s.integer("retry_attempts", 0, 0, 10);
    boolean strip = s.bool("strip_prefix", true);
    RewriteConfig rewrite = RewriteConfig.read(s.section("rewrite"));
    HeaderRules reqHeaders = HeaderRules.read(s.section("request_headers"));
    HeaderRules respHeaders = HeaderRules.read(s.section("response_headers"));
    QueryRules query = QueryRules.read(s.section("query"));
    Duration idleTimeout = s.duration("idle_timeout", DEFAULT_IDLE_TIMEOUT, false);
    boolean http2 = "2".equals(s.oneOf("http_version", "1.1", "1.1", "2"));
    RouteCacheConfig cache = RouteCacheConfig.read(s.section("cache"));
    RouteSecurity security = RouteSecurity.read(s);
    s.finish();
    if (prefix != null && prefix.length() > 1 && prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return new RouteConfig(name, prefix, uri, timeout, retries, strip, rewrite, reqHeaders, respHeaders, query,
        upstream, idleTimeout, http2, cache, security);
  }
}
