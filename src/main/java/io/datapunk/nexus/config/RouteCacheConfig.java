package io.datapunk.nexus.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A route's response cache policy ({@code service_routes.NAME.cache:}). A route without the block is
 * not cached; with it, caching is on unless {@code enabled: false}.
 *
 * @param enabled whether the route's responses are cached
 * @param ttl freshness when the response gives no {@code s-maxage}/{@code max-age} (default 60s)
 * @param maxTtl upper bound on any freshness, the response's included (default 1 day)
 * @param methods request methods answered from the cache (default GET, HEAD)
 * @param statuses response statuses stored (default 200, 203, 204, 300, 301, 404, 410)
 * @param keyQuery whether the (sorted) query is part of the key (default true)
 * @param keyHeaders request headers whose values are part of the key (default none)
 * @param callerHeaders request headers that identify the caller; a request with any of them is
 *     authenticated (default Authorization, X-API-Key)
 * @param shareAuthenticated whether responses to authenticated requests are shared across callers
 *     (default false: they are cached per caller, and only when the response allows it)
 * @param staleWhileRevalidate how long after expiry an entry is still served while it is refreshed in
 *     the background, unless the response says otherwise (default 0s)
 * @param staleIfError how long after expiry an entry is served when the service fails (default 60s)
 * @param invalidateOnUnsafe a successful POST, PUT, PATCH or DELETE drops the cached entries of its
 *     path on every instance (default true)
 * @param tagHeader response header listing the entry's tags, for purge by tag (default Cache-Tag)
 * @param warm paths (with query) fetched at start and every {@code cache_strategy.warming.interval}
 */
public record RouteCacheConfig(boolean enabled, Duration ttl, Duration maxTtl, Set<String> methods,
                               Set<Integer> statuses, boolean keyQuery, List<String> keyHeaders,
                               List<String> callerHeaders, boolean shareAuthenticated, Duration staleWhileRevalidate,
                               Duration staleIfError, boolean invalidateOnUnsafe, String tagHeader, List<String> warm) {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
  public static final Duration DEFAULT_MAX_TTL = Duration.ofDays(1);
  public static final Duration DEFAULT_STALE_IF_ERROR = Duration.ofSeconds(60);
  public static final Set<Integer> DEFAULT_STATUSES = Set.of(200, 203, 204, 300, 301, 404, 410);
  public static final List<String> DEFAULT_CALLER_HEADERS = List.of("authorization", "x-api-key");

  public static final RouteCacheConfig OFF = new RouteCacheConfig(false, DEFAULT_TTL, DEFAULT_MAX_TTL,
      Set.of("GET", "HEAD"), DEFAULT_STATUSES, true, List.of(), DEFAULT_CALLER_HEADERS, false, Duration.ZERO,
      DEFAULT_STALE_IF_ERROR, true, "Cache-Tag", List.of());

  static RouteCacheConfig read(ConfigSection s) {
    if (!s.isPresent()) {
      return OFF;
    }
    boolean enabled = s.bool("enabled", true);
    Duration ttl = s.duration("ttl", DEFAULT_TTL, false);
    Duration maxTtl = s.duration("max_ttl", DEFAULT_MAX_TTL, false);
    Set<String> methods = new TreeSet<>();
    List<String> m = s.has("methods") ? s.stringList("methods") : List.of("GET", "HEAD");
    for (String method : m) {
      String up = method.toUpperCase(Locale.ROOT);
      if (!up.equals("GET") && !up.equals("HEAD")) {
        s.error("methods", method, "GET or HEAD (only safe methods are answered from the cache)");
      } else {
        methods.add(up);
      }
    }
    Set<Integer> statuses = new TreeSet<>();
    if (s.has("statuses")) {
      for (String st : s.stringList("statuses")) {
        try {
          int n = Integer.parseInt(st.trim());
          if (n < 200 || n > 599 || n == 206 || n == 304) {
            s.error("statuses", st, "a final status from 200 to 599 other than 206 and 304");
          } else {
            statuses.add(n);
          }
        } catch (NumberFormatException e) {
          s.error("statuses", st, "a status code such as 200");
        }
      }
    } else {
      s.accept("statuses");
      statuses.addAll(DEFAULT_STATUSES);
    }
    ConfigSection key = s.section("key");
    boolean keyQuery = key.bool("query", true);
    List<String> keyHeaders = headerNames(key, "headers", List.of());
    key.finish();
    List<String> callerHeaders = headerNames(s, "caller_headers", DEFAULT_CALLER_HEADERS);
    boolean share = s.bool("share_authenticated", false);
    Duration swr = s.duration("stale_while_revalidate", Duration.ZERO, true);
    Duration sie = s.duration("stale_if_error", DEFAULT_STALE_IF_ERROR, true);
    boolean invalidate = s.bool("invalidate_on_unsafe", true);
    String tagHeader = s.string("tag_header", "Cache-Tag");
    if (tagHeader != null && !HeaderNames.isToken(tagHeader)) {
      s.error("tag_header", tagHeader, "a header name");
    }
    List<String> warm = s.stringList("warm");
    for (String w : warm) {
      if (!w.startsWith("/")) {
        s.error("warm", w, "a path starting with / (the request path, route prefix included)");
      }
    }
    s.finish();
    if (maxTtl.compareTo(ttl) < 0) {
      s.error("max_ttl", maxTtl.toString(), ">= ttl");
    }
    return new RouteCacheConfig(enabled, ttl, maxTtl, Set.copyOf(methods), Set.copyOf(statuses), keyQuery,
        keyHeaders, callerHeaders, share, swr, sie, invalidate, tagHeader, List.copyOf(warm));
  }

  private static List<String> headerNames(ConfigSection s, String key, List<String> def) {
    if (!s.has(key)) {
      s.accept(key);
      return def;
    }
    List<String> out = new ArrayList<>();
    for (String h : s.stringList(key)) {
      if (!HeaderNames.isToken(h)) {
        s.error(key, h, "a header name");
      } else {
        out.add(h.toLowerCase(Locale.ROOT));
      }
    }
    return List.copyOf(out);
  }
}
