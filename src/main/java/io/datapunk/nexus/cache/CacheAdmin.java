package io.datapunk.nexus.cache;

import io.datapunk.nexus.cache.ResponseCache.CachedRoute;
import io.datapunk.nexus.pipeline.ErrorResponse;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * The cache's admin endpoints, on the admin port, behind {@code Authorization: Bearer <admin.token>}:
 *
 * <ul>
 *   <li>{@code POST /admin/cache/purge} with one of {@code {"key": "/storage/items?x=1"}} (that URL:
 *       every caller and variant), {@code {"path": "/storage/items"}} (every query of the path),
 *       {@code {"prefix": "/storage/"}}, {@code {"route": "lake"}} (namespace bump) or
 *       {@code {"tag": "user-42"}}; answers {@code {"purged": N}} (entries dropped here and in Redis;
 *       the other instances drop theirs on the event);
 *   <li>{@code GET /admin/cache/stats}: the counters.
 * </ul>
 */
public final class CacheAdmin {
  public static final String PREFIX = "/admin/cache/";

  private final ResponseCache cache;
  private final byte[] token;

  public CacheAdmin(ResponseCache cache, String token) {
    this.cache = cache;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  public void handle(HttpServerRequest request) {
    if (token == null) {
      error(request, GatewayError.FORBIDDEN, "The admin API is off: set admin.token to use it.");
      return;
    }
    String auth = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (auth == null || !auth.startsWith("Bearer ")
        || !MessageDigest.isEqual(token, auth.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
      error(request, GatewayError.AUTH, "A valid admin bearer token is required.");
      return;
    }
    String path = request.path();
    if (path.equals(PREFIX + "purge") && request.method() == HttpMethod.POST) {
      request.body().onSuccess(body -> purge(request, body.toString())).onFailure(e -> request.connection().close());
    } else if (path.equals(PREFIX + "stats") && request.method() == HttpMethod.GET) {
      json(request, 200, stats().encode());
    } else {
      error(request, GatewayError.NOT_FOUND, "No admin endpoint at this path.");
    }
  }

  private void purge(HttpServerRequest request, String body) {
    JsonObject o;
    try {
      o = body.isBlank() ? new JsonObject() : new JsonObject(body);
    } catch (DecodeException e) {
      error(request, GatewayError.VALIDATION, "The body must be a JSON object.");
      return;
    }
    if (o.size() != 1) {
      error(request, GatewayError.VALIDATION, "Give exactly one of key, path, prefix, route or tag.");
      return;
    }
    String field = o.fieldNames().iterator().next();
    Object value = o.getValue(field);
    if (!(value instanceof String s) || s.isEmpty()) {
      error(request, GatewayError.VALIDATION, "The " + field + " must be a non-empty string.");
      return;
    }
    boolean valid = switch (field) {
      case "key", "path", "prefix" -> s.startsWith("/");
      case "route" -> cache.routes.containsKey(s);
      case "tag" -> true;
      default -> false;
    };
    if (!valid) {
      error(request, GatewayError.VALIDATION,
          field.equals("route") ? "No cached route has this name." : "Give one of key, path, prefix, route or tag; paths start with /.");
      return;
    }
    // Purges by route, tag or prefix scan L1: on a worker thread, not the admin event loop.
    Future<Long> done = cache.vertx.<Future<Long>>executeBlocking(() -> switch (field) {
      case "key", "path" -> byUrl(s, field.equals("key"));
      case "prefix" -> cache.purgePrefix(s);
      case "route" -> Future.fromCompletionStage(cache.purgeRoute(cache.routes.get(s)));
      default -> Future.fromCompletionStage(cache.purgeTag(s));
    }, false).compose(f -> f);
    done.onComplete(ar -> {
      if (ar.succeeded()) {
        json(request, 200, new JsonObject().put("purged", ar.result()).put("redis", cache.stats.redisUp()).encode());
      } else {
        // Redis failed mid-purge: this instance's entries are gone; say so rather than pretend.
        error(request, GatewayError.UNAVAILABLE, "Redis did not complete the purge; this instance's entries were dropped.");
      }
    });
  }

  private Future<Long> byUrl(String url, boolean withQuery) {
    if (!url.startsWith("/")) {
      return null;
    }
    int q = url.indexOf('?');
    String path = q < 0 ? url : url.substring(0, q);
    String query = q < 0 ? null : url.substring(q + 1);
    CachedRoute route = cache.routeFor(path);
    if (route == null) {
      return Future.succeededFuture(0L);
    }
    String keyPrefix = "";
    if (withQuery) {
      StringBuilder b = new StringBuilder(CacheKeys.resourceTag(route.name, path)).append(':').append(route.namespace)
          .append(":GET:");
      if (route.policy.keyQuery() && query != null && !query.isEmpty()) {
        CacheKeys.appendSortedQuery(b, query);
      }
      keyPrefix = b.toString();
    }
    return Future.fromCompletionStage(cache.invalidatePath(route, path, keyPrefix));
  }

  private JsonObject stats() {
    CacheStats s = cache.stats;
    JsonObject routes = new JsonObject();
    for (Map.Entry<String, CacheStats.Route> e : s.routes().entrySet()) {
      CacheStats.Route r = e.getValue();
      routes.put(e.getKey(), new JsonObject().put("hits_l1", r.hitsL1()).put("hits_l2", r.hitsL2())
          .put("stale_l1", r.staleL1()).put("stale_l2", r.staleL2()).put("misses", r.misses()).put("revalidated", r.revalidated())
          .put("coalesced", r.coalesced()).put("stores", r.stores()).put("stores_refused", r.storesRefused())
          .put("invalidations", r.invalidations()));
    }
    double rate = s.hitRate();
    return new JsonObject().put("hit_rate", Double.isNaN(rate) ? null : rate).put("l1_bytes", s.l1Bytes())
        .put("l1_entries", s.l1Entries()).put("redis_up", s.redisUp()).put("redis_errors", s.redisErrors())
        .put("invalidations_received", s.invalidationsReceived()).put("routes", routes);
  }

  private static void error(HttpServerRequest request, GatewayError error, String message) {
    json(request, error.status(), ErrorResponse.body(error, message, ""));
  }

  private static void json(HttpServerRequest request, int status, String body) {
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }
}
