package io.datapunk.nexus.cache;

import io.datapunk.nexus.admin.AdminCall;
import io.datapunk.nexus.cache.ResponseCache.CachedRoute;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The cache's part of {@code POST /admin/cache/purge} (the admin API has checked the token and
 * audits the call). The body names one of {@code {"key": "/storage/items?x=1"}} (that URL: every
 * caller and variant), {@code {"path": "/storage/items"}} (every query of the path),
 * {@code {"prefix": "/storage/"}}, {@code {"route": "lake"}} (namespace bump) or
 * {@code {"tag": "user-42"}}; the answer is {@code {"purged": N, "redis": true|false}} (entries dropped
 * here and in Redis; the other instances drop theirs on the event).
 */
final class CacheAdmin {
  private final ResponseCache cache;

  CacheAdmin(ResponseCache cache) {
    this.cache = cache;
  }

  void handle(AdminCall call) {
    JsonObject o = call.body();
    if (o.size() != 1) {
      call.fail(GatewayError.VALIDATION, "Give exactly one of key, path, prefix, route or tag.");
      return;
    }
    String field = o.fieldNames().iterator().next();
    Object value = o.getValue(field);
    if (!(value instanceof String s) || s.isEmpty()) {
      call.fail(GatewayError.VALIDATION, "The " + field + " must be a non-empty string.");
      return;
    }
    boolean valid = switch (field) {
      case "key", "path", "prefix" -> s.startsWith("/");
      case "route" -> cache.routes.containsKey(s);
      case "tag" -> true;
      default -> false;
    };
    if (!valid) {
      call.fail(GatewayError.VALIDATION,
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
        call.reply(200, new JsonObject().put("purged", ar.result()).put("redis", cache.stats.redisUp()));
      } else {
        // Redis failed mid-purge: this instance's entries are gone; say so rather than pretend.
        call.fail(GatewayError.UNAVAILABLE, "Redis did not complete the purge; this instance's entries were dropped.");
      }
    });
  }

  private Future<Long> byUrl(String url, boolean withQuery) {
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
}
