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

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  /** One digest per thread (event loops): getting a new one per request costs a provider lookup. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(CacheKeys::sha256);

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
    if (varyNames.length == 1) {
      return base + "#v:" + varyValue(request, varyNames[0]);
    }
    // Sized exactly: values such as a browser's Accept overflowed a guessed capacity, copying the key.
    String[] values = varyValues(varyNames, request);
    int size = base.length() + 3 + Math.max(0, values.length - 1);
    for (String v : values) {
      size += v.length();
    }
    StringBuilder b = new StringBuilder(size).append(base).append("#v:");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        b.append('\n');
      }
      b.append(values[i]);
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
        digest = SHA256.get();
        digest.reset();
      }
      for (int i = 0; i < h.length(); i++) {
        char c = h.charAt(i);
        digest.update(c < 0x80 ? (byte) c : (byte) '?'); // the bytes of h.getBytes(US_ASCII), without the copy
      }
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
    byte[] hex = new byte[32];
    for (int i = 0; i < 16; i++) {
      hex[2 * i] = HEX[(d[i] >> 4) & 0xf];
      hex[2 * i + 1] = HEX[d[i] & 0xf];
    }
    return new String(hex, StandardCharsets.ISO_8859_1);
  }

  /** Most query parameters sorted by their offsets in the query; longer queries are split and sorted as strings. */
  private static final int MAX_SORTED_IN_PLACE = 32;

  /**
   * Appends the query's parameters sorted, empty ones dropped. An already sorted query is appended as it
   * is; others are sorted by offsets, without a substring per parameter.
   */
  static void appendSortedQuery(StringBuilder b, String query) {
    int n = query.length();
    if (query.indexOf('&') < 0) {
      b.append(query);
      return;
    }
    int count = 0;
    boolean sorted = true;
    int prevStart = 0;
    int prevEnd = -1;
    for (int start = 0; start <= n; ) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = n;
      }
      if (end == start) {
        sorted = false; // an empty parameter is dropped
      } else {
        if (prevEnd >= 0 && compare(query, prevStart, prevEnd, start, end) > 0) {
          sorted = false;
        }
        prevStart = start;
        prevEnd = end;
        count++;
      }
      start = end + 1;
    }
    if (sorted) {
      b.append(query);
      return;
    }
    if (count > MAX_SORTED_IN_PLACE) {
      appendSortedBySplitting(b, query);
      return;
    }
    // Insertion sort of (start, end) pairs: few parameters, no strings made.
    long[] parts = new long[count];
    int k = 0;
    for (int start = 0; start <= n; ) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = n;
      }
      if (end > start) {
        int j = k++;
        while (j > 0 && compare(query, (int) (parts[j - 1] >>> 32), (int) parts[j - 1], start, end) > 0) {
          parts[j] = parts[j - 1];
          j--;
        }
        parts[j] = (long) start << 32 | end;
      }
      start = end + 1;
    }
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        b.append('&');
      }
      b.append(query, (int) (parts[i] >>> 32), (int) parts[i]);
    }
  }

  /** {@code query.substring(s1, e1).compareTo(query.substring(s2, e2))}, without the substrings. */
  private static int compare(String query, int s1, int e1, int s2, int e2) {
    int len1 = e1 - s1;
    int len2 = e2 - s2;
    int lim = Math.min(len1, len2);
    for (int i = 0; i < lim; i++) {
      char c1 = query.charAt(s1 + i);
      char c2 = query.charAt(s2 + i);
      if (c1 != c2) {
        return c1 - c2;
      }
    }
    return len1 - len2;
  }

  private static void appendSortedBySplitting(StringBuilder b, String query) {
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
