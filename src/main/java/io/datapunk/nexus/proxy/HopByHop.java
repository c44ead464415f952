package io.datapunk.nexus.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * Copies end-to-end headers from one message to the next hop, dropping hop-by-hop ones: those of
 * RFC 9110 section 7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade),
 * Trailer and the Proxy-Authenticate/-Authorization pair of RFC 7235, and every header named in
 * {@code Connection}.
 */
final class HopByHop {
  private HopByHop() {}

  static boolean isHopByHop(CharSequence name) {
    return switch (name.length()) {
      case 2 -> eq(name, "te");
      case 7 -> eq(name, "upgrade") || eq(name, "trailer");
      case 10 -> eq(name, "connection") || eq(name, "keep-alive");
      case 16 -> eq(name, "proxy-connection");
      case 17 -> eq(name, "transfer-encoding");
      case 18 -> eq(name, "proxy-authenticate");
      case 19 -> eq(name, "proxy-authorization");
      default -> false;
    };
  }

  private static boolean eq(CharSequence a, String b) {
    return AsciiString.contentEqualsIgnoreCase(a, b);
  }

  /**
   * Copies {@code from} into {@code to} without hop-by-hop headers and without the names in
   * {@code skip} (compared ignoring case; may be null).
   */
  static void copy(MultiMap from, MultiMap to, CharSequence[] skip) {
    String connection = from.get(HttpHeaders.CONNECTION);
    String[] named = connection == null ? null : connectionTokens(connection);
    Iterator<Map.Entry<CharSequence, CharSequence>> stored = HeaderEntries.of(from);
    if (stored != null) {
      // Names and values go across as decoded (no String copies); the target validates them.
      while (stored.hasNext()) {
        Map.Entry<CharSequence, CharSequence> e = stored.next();
        if (passes(e.getKey(), skip, named)) {
          to.add(e.getKey(), e.getValue());
        }
      }
      return;
    }
    for (Map.Entry<String, String> e : from) {
      if (passes(e.getKey(), skip, named)) {
        to.add(e.getKey(), e.getValue());
      }
    }
  }

  /** Whether a header goes to the next hop: not hop-by-hop, not skipped, not named in Connection. */
  private static boolean passes(CharSequence name, CharSequence[] skip, String[] named) {
    return !isHopByHop(name) && !contains(skip, name) && (named == null || !contains(named, name));
  }

  private static String[] connectionTokens(String value) {
    String[] parts = value.split(",");
    for (int i = 0; i < parts.length; i++) {
      parts[i] = parts[i].trim();
    }
    return parts;
  }

  private static boolean contains(CharSequence[] names, CharSequence name) {
    if (names == null) {
      return false;
    }
    for (CharSequence n : names) {
      if (n.length() == name.length() && AsciiString.contentEqualsIgnoreCase(n, name)) {
        return true;
      }
    }
    return false;
  }
}
