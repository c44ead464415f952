package io.datapunk.nexus.cache;

import io.datapunk.nexus.cache.ResponseCache.CachedRoute;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches entries again without a client waiting: the routes' {@code cache.warm} paths at start and
 * every {@code warming.interval}, entries served stale while revalidating, and hot entries (at least
 * {@code hot_keys.min_hits} hits) shortly before they expire. Each refresh is a GET to this instance's
 * own data port with a per-process secret header, so it passes the route's whole pipeline (headers,
 * transforms) and is stored like any miss; only shared entries are refreshed (never with a caller's
 * credentials). At most one refresh per key is in flight.
 */
final class Refresher {
  private static final Logger LOG = LoggerFactory.getLogger(Refresher.class);

  private final ResponseCache cache;
  private final HttpClient client;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final long refreshBeforeMillis;
  private long timer = -1;

  Refresher(ResponseCache cache, String host, int port) {
    this.cache = cache;
    String target = host == null || host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    this.client = cache.vertx.httpClientBuilder()
        .with(new HttpClientOptions().setDefaultHost(target).setDefaultPort(port).setKeepAlive(true)
            .setConnectTimeout(2_000).setIdleTimeout(10))
        .with(new PoolOptions().setHttp1MaxSize(4).setMaxWaitQueueSize(1_000))
        .build();
    this.refreshBeforeMillis = cache.config.hotKeyRefreshBefore().toMillis();
  }

  void start() {
    boolean any = cache.cachedRoutes().stream().anyMatch(r -> !r.policy.warm().isEmpty());
    if (!any) {
      return;
    }
    warm();
    timer = cache.vertx.setPeriodic(cache.config.warmInterval().toMillis(), id -> warm());
  }

  private void warm() {
    for (CachedRoute r : cache.cachedRoutes()) {
      for (String uri : r.policy.warm()) {
        fetch("warm:" + uri, uri, null);
      }
    }
  }

  /** Counts a hit; a hot entry near its expiry is fetched again. */
  void hot(CachedResponse e, HttpServerRequest request, long now) {
    int minHits = cache.config.hotKeyMinHits();
    if (minHits == 0) {
      return;
    }
    if (e.hits.incrementAndGet() >= minHits && now >= e.freshUntil - refreshBeforeMillis) {
      refresh(e, request);
    }
  }

  /** Fetches a shared entry again, with the request headers its key and Vary depend on. */
  void refresh(CachedResponse e, HttpServerRequest request) {
    if (!e.shared || inFlight.contains(e.key)) {
      return;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    CachedRoute route = cache.routes.get(e.route);
    if (route != null) {
      for (String h : route.policy.keyHeaders()) {
        copy(request, headers, h);
      }
    }
    if (e.varyNames != null) {
      for (String h : e.varyNames) {
        copy(request, headers, h);
      }
    }
    fetch(e.key, request.uri(), headers);
  }

  private static void copy(HttpServerRequest from, MultiMap to, String name) {
    for (String v : from.headers().getAll(name)) {
      to.add(name, v);
    }
  }

  private void fetch(String id, String uri, MultiMap headers) {
    if (!inFlight.add(id)) {
      return;
    }
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setURI(uri);
    if (headers != null) {
      options.setHeaders(headers);
    }
    options.putHeader(CacheFilter.REFRESH, cache.refreshToken);
    client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body())
        .onComplete(ar -> {
          inFlight.remove(id);
          if (ar.failed()) {
            LOG.debug("response cache: refresh of {} failed", uri, ar.cause());
          }
        });
  }

  void close() {
    if (timer >= 0) {
      cache.vertx.cancelTimer(timer);
    }
    client.close();
  }
}
