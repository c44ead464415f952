package io.datapunk.nexus.routing;

import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.Upstream;

/**
 * A route ready to serve: its config, its filters in pipeline order, and the upstream call at the end.
 *
 * @param config the route's settings
 * @param filters per-route filters, in {@link io.datapunk.nexus.pipeline.Stage} order
 * @param upstream the call to the service
 */
public record Route(RouteConfig config, Filter[] filters, Upstream upstream) {
  public String name() {
    return config.name();
  }

  public String prefix() {
    return config.prefix();
  }

  /** Whether {@code path} falls under this route's prefix on a segment boundary. */
  boolean matches(String path) {
    String prefix = config.prefix();
    if (!path.startsWith(prefix)) {
      return false;
    }
    return path.length() == prefix.length() || prefix.length() == 1 || path.charAt(prefix.length()) == '/';
  }

  /**
   * The path forwarded to the service for a request path: the prefix removed (or replaced by
   * {@code rewrite.prefix}, or kept with {@code strip_prefix: false}), then the regex rewrite.
   */
  public String upstreamPath(String path) {
    RouteConfig c = config;
    String rest;
    if (c.rewrite().prefix() != null) {
      rest = join(c.rewrite().prefix(), path.substring(c.prefix().length()));
    } else if (c.stripPrefix() && c.prefix().length() > 1) {
      rest = path.length() == c.prefix().length() ? "/" : path.substring(c.prefix().length());
    } else {
      rest = path;
    }
    if (c.rewrite().regex() != null) {
      rest = c.rewrite().regex().matcher(rest).replaceFirst(c.rewrite().replacement());
      if (rest.isEmpty() || rest.charAt(0) != '/') {
        rest = "/" + rest;
      }
    }
    return rest;
  }

  private static String join(String base, String rest) {
    if (rest.isEmpty()) {
      return base;
    }
    if (base.endsWith("/")) {
      return base + rest.substring(1);
    }
    return base + rest;
  }
}
