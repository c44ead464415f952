package io.datapunk.nexus.cache;

import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * The names the cache stores things under, in both tiers. An entry key is
 *
 * <pre>nx:c:{ROUTE:PATH}:NS:METHOD:QUERY|KEY-HEADERS|u=CALLER[#v:VARY-VALUES]</pre>
 *
 * The braces make Redis Cluster place every entry of one path (all queries, callers and variants),
 * with the path's index set and invalidation mark, in one slot, so one Lua script can update or
 * invalidate them atomically; different paths spread over the cluster. NS is the route's namespace
 * version: bumping it makes every older key of the route unreachable at once. CALLER is a SHA-256 of
 * the caller's credentials, never the credentials themselves.
 */
final class CacheKeys {
  static final String PREFIX = "nx:c:";
  static final String CHANNEL = "nx:c:events";

  private CacheKeys() {}

  /** The part of every key of one path before the namespace: {@code nx:c:{ROUTE:PATH}}. */
  static String resourceTag(String route, String path) {
    return PREFIX + '{' + route + ':' + path + '}';
  }

  static String index(String route, String path) {
    return resourceTag(route, path) + ":idx";
  }

  static String invalidated(String route, String path) {
    return resourceTag(route, path) + ":inv";
  }

  static String namespace(String route) {
    return PREFIX + "ns:" + route;
  }

  static String tag(String tag) {
    return PREFIX + "tag:" + tag;
  }

  /**
   * The key of a request, before Vary: method, path, the sorted query (when the route keys on it),
   * the route's key headers and the caller (null for a shared entry).
   */
  static String base(String route, String path, long namespace, String method, String query, boolean keyQuery,
                     List<String> keyHeaders, HttpServerRequest request, String caller) {
    StringBuilder b = new StringBuilder(PREFIX.length() + route.length() + path.length() + 48
        + (query == null ? 0 : query.length()));
    b.append(PREFIX).append('{').append(route).append(':').append(path).append("}:").append(namespace).append(':')
        .append(method).append(':');
    if (keyQuery && query != null && !query.isEmpty()) {
      appendSortedQuery(b, query);
    }
    if (!keyHeaders.isEmpty()) {
      for (String h : keyHeaders) {
        b.append('|').append(h).append('=').append(varyValue(request, h));
      }
    }
    if (caller != null) {
      b.append("|u=").append(caller);
    }
    return b.toString();
  }

  /** The key of one variant of a response that varies on {@code varyNames}. */
  static String variant(String base, String[] varyNames, HttpServerRequest request) {
    StringBuilder b = new StringBuilder(base.length() + 32).append(base).append("#v:");
    for (int i = 0; i < varyNames.length; i++) {
      if (i > 0) {
        b.append('\n');
      }
      b.append(varyValue(request, varyNames[i]));
    }
    return b.toString();
  }

  static String[] varyValues(String[] varyNames, HttpServerRequest request) {
    String[] out = new String[varyNames.length];
    for (int i = 0; i < varyNames.length; i++) {
      out[i] = varyValue(request, varyNames[i]);
    }
    return out;
  }

  /** All values of a request header, joined with ", " ("" when absent). */
  static String varyValue(HttpServerRequest request, String name) {
    List<String> all = request.headers().getAll(name);
    if (all.isEmpty()) {
      return "";
    }
    if (all.size() == 1) {
      return all.get(0).trim();
    }
    StringBuilder b = new StringBuilder();
    for (String v : all) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(v.trim());
    }
    return b.toString();
  }

  /** A hash of the caller's credential headers, or null when the request carries none. */
  static String caller(HttpServerRequest request, List<String> callerHeaders) {
    MessageDigest digest = null;
    for (String h : callerHeaders) {
      if (!request.headers().contains(h)) {
        continue;
      }
      List<String> values = request.headers().getAll(h);
      if (values.isEmpty()) {
        continue;
      }
      if (digest == null) {
        digest = sha256();
      }
      digest.update(h.getBytes(StandardCharsets.US_ASCII));
      for (String v : values) {
        digest.update((byte) 0);
        digest.update(v.getBytes(StandardCharsets.UTF_8));
      }
      digest.update((byte) '\n');
    }
    if (digest == null) {
      return null;
    }
    byte[] d = digest.digest();
    StringBuilder b = new StringBuilder(32);
    for (int i = 0; i < 16; i++) {
      b.append(Character.forDigit((d[i] >> 4) & 0xf, 16)).append(Character.forDigit(d[i] & 0xf, 16));
    }
    return b.toString();
  }

  static void appendSortedQuery(StringBuilder b, String query) {
    if (query.indexOf('&') < 0) {
      b.append(query);
      return;
    }
    String[] parts = query.split("&");
    Arrays.sort(parts);
    boolean first = true;
    for (String p : parts) {
      if (p.isEmpty()) {
        continue;
      }
      if (!first) {
        b.append('&');
      }
      b.append(p);
      first = false;
    }
  }

  /** Escapes the glob characters of Redis {@code SCAN MATCH}. */
  static String globEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
