package io.datapunk.nexus.cache;

import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/**
 * Benchmark access to the package-private {@link CacheKeys} (compiled only by the {@code jmh} Maven
 * profile): the three calls {@code CacheFilter.onRequest} makes for a GET whose entry varies.
 */
public final class CacheKeysAccess {
  private CacheKeysAccess() {}

  /** The caller hash (null without credentials), the base key, then the variant key, as CacheFilter does. */
  public static String variantKey(String route, String path, long namespace, String query, boolean keyQuery,
                                  List<String> keyHeaders, List<String> callerHeaders, String[] varyNames,
                                  HttpServerRequest request) {
    String caller = CacheKeys.caller(request, callerHeaders);
    String base = CacheKeys.base(route, path, namespace, "GET", query, keyQuery, keyHeaders, request, caller);
    return CacheKeys.variant(base, varyNames, request);
  }
}
