package io.datapunk.nexus.cache;

import java.util.List;
import java.util.Locale;

/**
 * The {@code Cache-Control} directives the cache acts on (RFC 9111 §5.2, RFC 5861), parsed from one
 * or more header values. Delta-seconds are -1 when absent.
 */
final class CacheControl {
  static final CacheControl NONE = new CacheControl();

  boolean noStore;
  boolean noCache;
  boolean isPrivate;
  boolean isPublic;
  boolean mustRevalidate;
  long maxAge = -1;
  long sMaxAge = -1;
  long staleWhileRevalidate = -1;
  long staleIfError = -1;

  static CacheControl parse(List<String> values) {
    if (values == null || values.isEmpty()) {
      return NONE;
    }
    CacheControl cc = new CacheControl();
    for (String v : values) {
      cc.parseOne(v);
    }
    return cc;
  }

  static CacheControl parse(String value) {
    if (value == null) {
      return NONE;
    }
    CacheControl cc = new CacheControl();
    cc.parseOne(value);
    return cc;
  }

  private void parseOne(String value) {
    int i = 0;
    int n = value.length();
    while (i < n) {
      int comma = nextComma(value, i);
      String part = value.substring(i, comma).trim();
      i = comma + 1;
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String arg = eq < 0 ? null : unquote(part.substring(eq + 1).trim());
      switch (name) {
        case "no-store" -> noStore = true;
        // no-cache="field" is treated as plain no-cache: the stricter reading.
        case "no-cache" -> noCache = true;
        case "private" -> isPrivate = true;
        case "public" -> isPublic = true;
        case "must-revalidate", "proxy-revalidate" -> mustRevalidate = true;
        case "max-age" -> maxAge = seconds(arg, maxAge);
        case "s-maxage" -> sMaxAge = seconds(arg, sMaxAge);
        case "stale-while-revalidate" -> staleWhileRevalidate = seconds(arg, staleWhileRevalidate);
        case "stale-if-error" -> staleIfError = seconds(arg, staleIfError);
        default -> {
          // other directives do not change what this cache does
        }
      }
    }
  }

  /** The end of the directive at {@code from}, skipping commas inside quotes. */
  private static int nextComma(String s, int from) {
    boolean quoted = false;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        return i;
      }
    }
    return s.length();
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"' ? s.substring(1, s.length() - 1) : s;
  }

  /** Delta-seconds; an invalid value makes the directive count as 0 (RFC 9111 §1.2.2: treat as stale). */
  private static long seconds(String arg, long previous) {
    if (arg == null || arg.isEmpty()) {
      return 0;
    }
    long v = 0;
    for (int i = 0; i < arg.length(); i++) {
      char c = arg.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
      v = v * 10 + (c - '0');
      if (v > Integer.MAX_VALUE) {
        return Integer.MAX_VALUE;
      }
    }
    return previous < 0 ? v : Math.min(previous, v);
  }
}
