package io.datapunk.nexus.cache;

import io.datapunk.nexus.cache.ResponseCache.CachedRoute;
import io.datapunk.nexus.config.RouteCacheConfig;
import io.datapunk.nexus.pipeline.BodyTap;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * A route's cache step ({@link io.datapunk.nexus.pipeline.Stage#CACHE}). A fresh entry in L1 is
 * answered here without any allocation beyond the key; everything else (L2, coalescing, the upstream
 * call and storing what it returns) is a {@link Lookup}. Successful unsafe requests invalidate their
 * path on every instance.
 */
final class CacheFilter implements Filter {
  static final CharSequence REFRESH = HttpHeaders.createOptimized("X-Nexus-Cache-Refresh");

  private final ResponseCache cache;
  private final CachedRoute route;
  private final RouteCacheConfig policy;
  private final boolean head;
  private final boolean get;

  CacheFilter(ResponseCache cache, CachedRoute route) {
    this.cache = cache;
    this.route = route;
    this.policy = route.policy;
    this.get = policy.methods().contains("GET");
    this.head = policy.methods().contains("HEAD");
  }

  @Override
  public void onRequest(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    HttpMethod method = request.method();
    boolean isHead = method == HttpMethod.HEAD;
    if (!(method == HttpMethod.GET ? get : isHead && head)) {
      if (policy.invalidateOnUnsafe() && isUnsafe(method)) {
        exchange.bodyTap(new Invalidation(request.path()));
      }
      exchange.proceed();
      return;
    }
    boolean refresh = false;
    String token = request.getHeader(REFRESH);
    if (token != null) {
      request.headers().remove(REFRESH);
      refresh = token.equals(cache.refreshToken);
    }
    CacheControl cc = requestDirectives(request);
    if (cc.noStore) {
      exchange.cacheResult(CachedResponse.BYPASS_WORD);
      exchange.proceed();
      return;
    }
    String caller = CacheKeys.caller(request, policy.callerHeaders());
    String keyCaller = caller != null && !policy.shareAuthenticated() ? caller : null;
    // HEAD is answered from the GET entry; the key names GET for both.
    String key = CacheKeys.base(route.name, request.path(), route.namespace, "GET", request.query(), policy.keyQuery(),
        policy.keyHeaders(), request, keyCaller);
    long now = cache.clock.getAsLong();
    CachedResponse stale = null;
    if (!refresh && !cc.noCache && cc.maxAge != 0) {
      CachedResponse e = local(key, request, now);
      if (e != null) {
        if (e.isFresh(now)) {
          route.stats.countHitL1();
          exchange.cacheResult(CachedResponse.HIT_WORD);
          e.write(exchange, CachedResponse.HIT, now);
          if (e.shared) {
            cache.refresher().hot(e, request, now);
          }
          return;
        }
        if (now < e.staleWhileRevalidateUntil && e.shared) {
          route.stats.countStaleL1();
          exchange.cacheResult(CachedResponse.STALE_WORD);
          e.write(exchange, CachedResponse.STALE, now);
          cache.refresher().refresh(e, request);
          return;
        }
        if (now < e.staleIfErrorUntil) {
          stale = e;
        }
      }
    }
    Lookup lookup = new Lookup(cache, route, exchange, key, keyCaller != null, stale);
    if (isHead || refresh || cc.noCache || cc.maxAge == 0) {
      lookup.fetch();
    } else {
      lookup.begin();
    }
  }

  /** L1, following a Vary marker to the variant; null when nothing usable is there. */
  private CachedResponse local(String key, HttpServerRequest request, long now) {
    CachedResponse e = cache.l1.get(key, now);
    if (e != null && e.marker()) {
      e = cache.l1.get(CacheKeys.variant(key, e.varyNames, request), now);
    }
    return e != null && e.matchesVariant(request) ? e : null;
  }

  @Override
  public void onResponse(Exchange exchange) {
    BodyTap tap = exchange.bodyTap();
    if (tap instanceof Lookup lookup) {
      lookup.onResponseHead();
    } else if (tap instanceof Invalidation inv) {
      exchange.bodyTap(null);
      int status = exchange.request().response().getStatusCode();
      if (status >= 200 && status < 300) {
        cache.invalidatePath(route, inv.path, "");
      }
    }
  }

  private static CacheControl requestDirectives(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CACHE_CONTROL);
    if (value == null) {
      String pragma = request.getHeader("Pragma");
      return pragma != null && pragma.contains("no-cache") ? CacheControl.parse("no-cache") : CacheControl.NONE;
    }
    return CacheControl.parse(request.headers().getAll(HttpHeaders.CACHE_CONTROL));
  }

  static boolean isUnsafe(HttpMethod m) {
    return m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH || m == HttpMethod.DELETE;
  }

  /** Marks an unsafe request so its successful answer invalidates the path; passes the body through. */
  private static final class Invalidation implements BodyTap {
    final String path;

    Invalidation(String path) {
      this.path = path;
    }

    @Override
    public Buffer chunk(Buffer chunk) {
      return chunk;
    }

    @Override
    public Buffer end() {
      return null;
    }

    @Override
    public void failed() {}
  }
}
