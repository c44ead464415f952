package io.datapunk.nexus.config;

import java.net.URI;
import java.time.Duration;

/**
 * One entry of {@code service_routes:}: requests whose path starts with {@code prefix} go to the
 * service.
 *
 * @param name the service name (the key under {@code service_routes})
 * @param prefix path prefix matched on segment boundaries (longest prefix wins)
 * @param serviceUrl base URL of the service ({@code http://host:port}, optional base path)
 * @param timeout end-to-end limit for one request including retries (seconds; default 30)
 * @param retryAttempts retries after the first attempt (default 0)
 * @param stripPrefix remove the prefix before forwarding (default true)
 * @param rewrite path rewrite after prefix handling
 * @param requestHeaders header changes on the way to the service
 * @param responseHeaders header changes on the way back to the client
 * @param query query-string changes on the way to the service
 */
public record RouteConfig(String name, String prefix, URI serviceUrl, Duration timeout, int retryAttempts,
                          boolean stripPrefix, RewriteConfig rewrite, HeaderRules requestHeaders,
                          HeaderRules responseHeaders, QueryRules query) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** The service's base path ("" when the URL has none), prepended to every forwarded path. */
  public String basePath() {
    String p = serviceUrl.getRawPath();
    return p == null || p.equals("/") ? "" : (p.endsWith("/") ? p.substring(0, p.length() - 1) : p);
  }

  static RouteConfig read(String name, ConfigSection s) {
    String prefix = s.requiredString("prefix");
    if (prefix != null && (!prefix.startsWith("/") || prefix.contains("?") || prefix.contains("#"))) {
      s.error("prefix", prefix, "a path starting with /, without query or fragment");
    }
    String url = s.requiredString("service_url");
    URI uri = null;
    if (url != null) {
      try {
        uri = new URI(url);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
          s.error("service_url", url, "an absolute http:// or https:// URL with a host");
          uri = null;
        } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
          s.error("service_url", url, "a URL without query or fragment");
          uri = null;
        }
      } catch (java.net.URISyntaxException e) {
        s.error("service_url", url, "an absolute http:// or https:// URL");
      }
    }
    Duration timeout = s.duration("timeout", DEFAULT_TIMEOUT, false);
    int retries = s.integer("retry_attempts", 0, 0, 10);
    boolean strip = s.bool("strip_prefix", true);
    RewriteConfig rewrite = RewriteConfig.read(s.section("rewrite"));
    HeaderRules reqHeaders = HeaderRules.read(s.section("request_headers"));
    HeaderRules respHeaders = HeaderRules.read(s.section("response_headers"));
    QueryRules query = QueryRules.read(s.section("query"));
    s.finish();
    if (prefix != null && prefix.length() > 1 && prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return new RouteConfig(name, prefix, uri, timeout, retries, strip, rewrite, reqHeaders, respHeaders, query);
  }
}
