package io.datapunk.nexus.cache;

import io.datapunk.nexus.cache.ResponseCache.CachedRoute;
import io.datapunk.nexus.config.RouteCacheConfig;
import io.datapunk.nexus.pipeline.BodyTap;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.pipeline.RequestIds;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One cache miss: L2, then (as the leader of a {@link Flight}, or alone) the upstream call, whose
 * response is copied while it streams to the client and stored when it ends; bodies over
 * {@code cache_strategy.max_body_size} are not copied beyond that point and not stored. Also serves a
 * stale entry when the service fails (stale-if-error). Runs on the exchange's event loop.
 */
final class Lookup implements BodyTap {
  private final ResponseCache cache;
  private final CachedRoute route;
  private final RouteCacheConfig policy;
  private final Exchange exchange;
  private final HttpServerRequest request;
  private final Context context;
  private final String key;
  private final boolean perCaller;
  private CachedResponse stale;
  private Flight flight;
  private long version;
  // what is being stored
  private Buffer capture;
  /** The body's Content-Length, or -1 (chunked): the body is complete, and stored, once that much arrived. */
  private long completeLength = -1;
  private CachedResponse head;
  private String[] varyNames;
  private boolean replacing;
  /** The conditional request sent to the service is ours (from the stale entry's validators). */
  private boolean revalidating;
  private long timer = -1;

  Lookup(ResponseCache cache, CachedRoute route, Exchange exchange, String key, boolean perCaller,
         CachedResponse stale) {
    this.cache = cache;
    this.route = route;
    this.policy = route.policy;
    this.exchange = exchange;
    this.request = exchange.request();
    this.context = Vertx.currentContext();
    this.key = key;
    this.perCaller = perCaller;
    this.stale = stale;
  }

  /** Joins the flight for the key, or leads it: L2 first, then the service. */
  void begin() {
    Flight mine = new Flight();
    Flight other = cache.flights.putIfAbsent(key, mine);
    if (other != null) {
      if (other.join(this)) {
        route.stats.coalesced.increment();
        return;
      }
      fetch();
      return;
    }
    flight = mine;
    // A leader whose response never ends (client gone, service stalled) frees its waiters in time.
    timer = cache.vertx.setTimer(route.timeoutMillis + 1_000, t -> finish(null, null));
    if (cache.l2Usable(route)) {
      cache.readL2(key, context).onComplete(ar -> onL2(ar.result(), true));
    } else {
      fetch();
    }
  }

  private void onL2(CachedResponse e, boolean first) {
    long now = cache.clock.getAsLong();
    if (e != null && e.marker()) {
      cache.l1.put(e);
      if (first) {
        cache.readL2(CacheKeys.variant(key, e.varyNames, request), context).onComplete(ar -> onL2(ar.result(), false));
        return;
      }
      e = null;
    }
    if (e != null && now < e.removeAt() && e.matchesVariant(request)) {
      cache.l1.put(e);
      if (e.isFresh(now)) {
        route.stats.countHitL2();
        serve(e, CachedResponse.HIT, now);
        finish(e, CachedResponse.HIT);
        return;
      }
      if (now < e.staleWhileRevalidateUntil && e.shared) {
        route.stats.countStaleL2();
        serve(e, CachedResponse.STALE, now);
        finish(e, CachedResponse.STALE);
        cache.refresher().refresh(e, request);
        return;
      }
      if (now < e.staleIfErrorUntil && (stale == null || e.version > stale.version)) {
        stale = e;
      }
    }
    fetch();
  }

  /** Asks the service; the response head passes {@link #onResponseHead()}. */
  void fetch() {
    route.stats.countMiss();
    version = cache.nextVersion();
    exchange.bodyTap(this);
    if (stale != null && request.method() == HttpMethod.GET && (stale.etag() != null || stale.lastModifiedValue() != null)
        && !request.headers().contains(HttpHeaders.IF_NONE_MATCH) && !request.headers().contains(HttpHeaders.IF_MODIFIED_SINCE)) {
      // The expired entry may still be right: ask the service to confirm it (a 304 costs no body).
      revalidating = true;
      if (stale.etag() != null) {
        request.headers().set(HttpHeaders.IF_NONE_MATCH, stale.etag());
      } else {
        request.headers().set(HttpHeaders.IF_MODIFIED_SINCE, stale.lastModifiedValue());
      }
    }
    if (stale != null || flight != null) {
      // Serves the stale entry, and in any case frees the waiters at once when the call fails.
      exchange.errorFallback(this::onError);
    }
    exchange.proceed();
  }

  /** A waiter's flight ended: answer from its entry when it fits this request, else ask the service. */
  void resume(CachedResponse entry, CharSequence verdict) {
    context.runOnContext(v -> {
      HttpServerResponse response = request.response();
      if (response.closed() || response.ended()) {
        return;
      }
      long now = cache.clock.getAsLong();
      if (entry != null && !entry.marker() && entry.matchesVariant(request) && now < entry.removeAt()) {
        route.stats.countHitL1();
        serve(entry, verdict, now);
      } else {
        fetch();
      }
    });
  }

  private void serve(CachedResponse e, CharSequence verdict, long now) {
    HttpServerResponse response = request.response();
    if (response.closed() || response.ended() || response.headWritten()) {
      return;
    }
    exchange.cacheResult(verdict == CachedResponse.STALE ? CachedResponse.STALE_WORD : CachedResponse.HIT_WORD);
    e.write(exchange, verdict, now);
    exchange.complete();
  }

  private void finish(CachedResponse e, CharSequence verdict) {
    if (timer >= 0) {
      cache.vertx.cancelTimer(timer);
      timer = -1;
    }
    if (flight != null) {
      Flight f = flight;
      flight = null;
      cache.flights.remove(key, f);
      f.complete(e, verdict);
    }
  }

  /** stale-if-error for errors the gateway detects itself (service down, timeout). */
  private boolean onError(GatewayError error) {
    if (error != GatewayError.SERVICE_DOWN && error != GatewayError.TIMEOUT && error != GatewayError.UNAVAILABLE) {
      finish(null, null);
      return false;
    }
    long now = cache.clock.getAsLong();
    HttpServerResponse response = request.response();
    if (stale == null || now >= stale.staleIfErrorUntil || response.headWritten() || response.closed()) {
      finish(null, null);
      return false;
    }
    route.stats.countStaleL1();
    if (revalidating) {
      // Our own conditional headers must not turn the answer into a 304 the client never asked for.
      request.headers().remove(HttpHeaders.IF_NONE_MATCH).remove(HttpHeaders.IF_MODIFIED_SINCE);
    }
    exchange.cacheResult(CachedResponse.STALE_WORD);
    stale.write(exchange, CachedResponse.STALE, now);
    finish(stale, CachedResponse.STALE);
    return true;
  }

  /** The service's response head is in {@code request.response()}: store it, replace it, or let it pass. */
  void onResponseHead() {
    HttpServerResponse response = request.response();
    int status = response.getStatusCode();
    long now = cache.clock.getAsLong();
    if ((status == 500 || status == 502 || status == 503 || status == 504) && stale != null
        && now < stale.staleIfErrorUntil) {
      replaceWithStale(response, now);
      return;
    }
    if (status == 304 && revalidating) {
      replaceWithRevalidated(response, now);
      return;
    }
    response.headers().set(CachedResponse.X_CACHE, CachedResponse.MISS);
    exchange.cacheResult(CachedResponse.MISS_WORD);
    CachedResponse entry = request.method() == HttpMethod.HEAD ? null : storable(response, status, now);
    if (entry == null) {
      exchange.bodyTap(null);
      finish(null, null);
      return;
    }
    head = entry;
    String length = response.headers().get(HttpHeaders.CONTENT_LENGTH);
    completeLength = length == null ? -1 : Long.parseLong(length);
    int expected = length == null ? 1024 : (int) Math.min(completeLength, cache.config.maxBodySize());
    capture = Buffer.buffer(Math.max(16, expected));
  }

  /** The entry to store for this response (body still empty), or null when it must not be stored. */
  private CachedResponse storable(HttpServerResponse response, int status, long now) {
    if (!policy.statuses().contains(status)) {
      return null;
    }
    MultiMap h = response.headers();
    CacheControl cc = CacheControl.parse(h.getAll(HttpHeaders.CACHE_CONTROL));
    if (cc.noStore || cc.noCache || (cc.isPrivate && !perCaller) || h.contains(HttpHeaders.SET_COOKIE)) {
      return null;
    }
    String length = h.get(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > cache.config.maxBodySize()) {
          return null;
        }
      } catch (NumberFormatException e) {
        return null;
      }
    }
    varyNames = varyNames(h.getAll(HttpHeaders.VARY));
    if (varyNames != null && varyNames.length == 1 && varyNames[0].equals("*")) {
      return null;
    }
    long lifetime;
    if (cc.sMaxAge >= 0) {
      lifetime = cc.sMaxAge * 1000;
    } else if (cc.maxAge >= 0) {
      lifetime = cc.maxAge * 1000;
    } else if (h.contains(HttpHeaders.EXPIRES)) {
      long expires = CachedResponse.httpDate(h.get(HttpHeaders.EXPIRES));
      String dateValue = h.get(HttpHeaders.DATE);
      long date = dateValue == null ? now : CachedResponse.httpDate(dateValue);
      lifetime = expires < 0 || date < 0 ? 0 : expires - date;
    } else {
      lifetime = policy.ttl().toMillis();
    }
    lifetime = Math.min(lifetime, policy.maxTtl().toMillis());
    long age = 0;
    String ageValue = h.get(HttpHeaders.AGE);
    if (ageValue != null) {
      try {
        age = Math.max(0, Long.parseLong(ageValue.trim())) * 1000;
      } catch (NumberFormatException ignored) {
        age = 0;
      }
    }
    if (lifetime - age <= 0) {
      return null;
    }
    long swr = cc.staleWhileRevalidate >= 0 ? cc.staleWhileRevalidate * 1000 : policy.staleWhileRevalidate().toMillis();
    long sie = cc.staleIfError >= 0 ? cc.staleIfError * 1000 : policy.staleIfError().toMillis();
    // A response's own stale windows are bounded like its freshness.
    if (cc.staleWhileRevalidate >= 0) {
      swr = Math.min(swr, policy.maxTtl().toMillis());
    }
    if (cc.staleIfError >= 0) {
      sie = Math.min(sie, policy.maxTtl().toMillis());
    }
    if (cc.mustRevalidate) {
      swr = 0;
      sie = 0;
    }
    long ageBase = now - age;
    long freshUntil = ageBase + lifetime;
    List<String> names = new ArrayList<>(h.size());
    List<String> values = new ArrayList<>(h.size());
    List<String> tags = new ArrayList<>(0);
    for (Map.Entry<String, String> e : h) {
      String name = e.getKey();
      String lower = name.toLowerCase(Locale.ROOT);
      switch (lower) {
        case "x-request-id", "x-cache", "age", "connection", "transfer-encoding", "content-length", "keep-alive" -> {
          continue;
        }
        default -> {
          // stored
        }
      }
      if (policy.tagHeader() != null && lower.equalsIgnoreCase(policy.tagHeader())) {
        for (String t : e.getValue().split("[,\\s]+")) {
          if (!t.isEmpty()) {
            tags.add(t);
          }
        }
      }
      names.add(name);
      values.add(e.getValue());
    }
    String entryKey = varyNames == null ? key : CacheKeys.variant(key, varyNames, request);
    String[] varyValues = varyNames == null ? null : CacheKeys.varyValues(varyNames, request);
    return new CachedResponse(entryKey, route.name, request.path(), version, status, names.toArray(new String[0]),
        values.toArray(new String[0]), Buffer.buffer(0), ageBase, freshUntil, freshUntil + swr, freshUntil + sie,
        varyNames, varyValues, tags.toArray(new String[0]), !perCaller);
  }

  private static String[] varyNames(List<String> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String v : values) {
      for (String n : v.split(",")) {
        String t = n.trim().toLowerCase(Locale.ROOT);
        if (t.equals("*")) {
          return new String[] {"*"};
        }
        if (!t.isEmpty() && !out.contains(t)) {
          out.add(t);
        }
      }
    }
    if (out.isEmpty()) {
      return null;
    }
    out.sort(null);
    return out.toArray(new String[0]);
  }

  /** A 5xx from the service while a stale entry may still be served: the client gets the entry. */
  private void replaceWithStale(HttpServerResponse response, long now) {
    replacing = true;
    exchange.cacheResult(CachedResponse.STALE_WORD);
    route.stats.countStaleL1();
    String connection = response.headers().get(HttpHeaders.CONNECTION);
    response.headers().clear();
    response.setChunked(false);
    response.setStatusCode(stale.status);
    for (int i = 0; i < stale.headerNames.length; i++) {
      response.headers().add(stale.headerNames[i], stale.headerValues[i]);
    }
    response.headers().set(HttpHeaders.AGE, Long.toString(Math.max(0, (now - stale.ageBase) / 1000)))
        .set(CachedResponse.X_CACHE, CachedResponse.STALE)
        .set(RequestIds.HEADER, exchange.requestId())
        .set(HttpHeaders.CONTENT_LENGTH, Integer.toString(stale.body.length()));
    if (connection != null) {
      response.headers().set(HttpHeaders.CONNECTION, connection);
    }
    finish(stale, CachedResponse.STALE);
  }

  /** Response headers a 304 updates in the stored response (RFC 9111 §4.3.4, the ones that matter here). */
  private static final String[] UPDATED_BY_304 = {"cache-control", "expires", "date", "etag", "last-modified", "vary"};

  /**
   * The service confirmed the expired entry (304 to our conditional request): the client gets the
   * stored response with the 304's updated headers, and that is stored again with new freshness.
   */
  private void replaceWithRevalidated(HttpServerResponse response, long now) {
    replacing = true;
    exchange.cacheResult(CachedResponse.REVALIDATED_WORD);
    route.stats.revalidated.increment();
    MultiMap out = response.headers();
    MultiMap updates = MultiMap.caseInsensitiveMultiMap();
    for (String name : UPDATED_BY_304) {
      if (out.contains(name)) {
        updates.set(name, out.getAll(name));
      }
    }
    String connection = out.get(HttpHeaders.CONNECTION);
    out.clear();
    response.setChunked(false);
    response.setStatusCode(stale.status);
    for (int i = 0; i < stale.headerNames.length; i++) {
      if (!updates.contains(stale.headerNames[i])) {
        out.add(stale.headerNames[i], stale.headerValues[i]);
      }
    }
    out.addAll(updates);
    CachedResponse h = storable(response, stale.status, now);
    out.set(HttpHeaders.AGE, "0")
        .set(CachedResponse.X_CACHE, CachedResponse.REVALIDATED)
        .set(RequestIds.HEADER, exchange.requestId())
        .set(HttpHeaders.CONTENT_LENGTH, Integer.toString(stale.body.length()));
    if (connection != null) {
      out.set(HttpHeaders.CONNECTION, connection);
    }
    if (h == null) {
      finish(null, null);
      return;
    }
    CachedResponse entry = new CachedResponse(h.key, h.route, h.path, h.version, h.status, h.headerNames,
        h.headerValues, stale.body, h.ageBase, h.freshUntil, h.staleWhileRevalidateUntil, h.staleIfErrorUntil,
        h.varyNames, h.varyValues, h.tags, h.shared);
    CachedResponse marker = varyNames == null ? null
        : CachedResponse.marker(key, route.name, h.path, version, varyNames, h.freshUntil, entry.removeAt());
    cache.store(route, marker, entry);
    finish(entry, CachedResponse.HIT);
  }

  @Override
  public Buffer chunk(Buffer chunk) {
    if (replacing) {
      return null;
    }
    if (capture != null) {
      if (capture.length() + chunk.length() > cache.config.maxBodySize()) {
        capture = null;
        finish(null, null);
      } else {
        capture.appendBuffer(chunk);
        if (capture.length() == completeLength) {
          // The whole body is here: stored before its last bytes go to the client, so a client
          // that has read the response and asks again (or purges it) finds the entry in place.
          storeCaptured();
        }
      }
    }
    return chunk;
  }

  @Override
  public Buffer end() {
    if (replacing) {
      return request.method() == HttpMethod.HEAD ? null : stale.body;
    }
    if (capture != null) {
      storeCaptured();
    } else {
      finish(null, null); // a no-op when the entry was stored at its last chunk
    }
    return null;
  }

  private void storeCaptured() {
    CachedResponse h = head;
    CachedResponse entry = new CachedResponse(h.key, h.route, h.path, h.version, h.status, h.headerNames,
        h.headerValues, capture, h.ageBase, h.freshUntil, h.staleWhileRevalidateUntil, h.staleIfErrorUntil,
        h.varyNames, h.varyValues, h.tags, h.shared);
    capture = null;
    CachedResponse marker = varyNames == null ? null
        : CachedResponse.marker(key, route.name, h.path, version, varyNames, h.freshUntil, entry.removeAt());
    cache.store(route, marker, entry);
    finish(entry, CachedResponse.HIT);
  }

  @Override
  public void failed() {
    capture = null;
    finish(null, null);
  }
}
