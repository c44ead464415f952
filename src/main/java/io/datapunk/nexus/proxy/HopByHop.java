package io.datapunk.nexus.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;

/**
 * Copies end-to-end headers from one message to the next hop, dropping hop-by-hop ones: those of
 * RFC 9110 section 7.6.1 (Connection, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade),
 * Trailer and the Proxy-Authenticate/-Authorization pair of RFC 7235, and every header named in
 * {@code Connection}.
 */
final class HopByHop {
  private HopByHop() {}

  static boolean isHopByHop(String name) {
    return switch (name.length()) {
      case 2 -> name.equalsIgnoreCase("te");
      case 7 -> name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("trailer");
      case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16 -> name.equalsIgnoreCase("proxy-connection");
      case 17 -> name.equalsIgnoreCase("transfer-encoding");
      case 18 -> name.equalsIgnoreCase("proxy-authenticate");
      case 19 -> name.equalsIgnoreCase("proxy-authorization");
      default -> false;
    };
  }

  /**
   * Copies {@code from} into {@code to} without hop-by-hop headers and without the names in
   * {@code skip} (compared ignoring case; may be null).
   */
  static void copy(MultiMap from, MultiMap to, CharSequence[] skip) {
    String connection = from.get(HttpHeaders.CONNECTION);
    String[] named = connection == null ? null : connectionTokens(connection);
    for (Map.Entry<String, String> e : from) {
      String name = e.getKey();
      if (isHopByHop(name) || contains(skip, name) || (named != null && contains(named, name))) {
        continue;
      }
      to.add(name, e.getValue());
    }
  }

  private static String[] connectionTokens(String value) {
    String[] parts = value.split(",");
    for (int i = 0; i < parts.length; i++) {
      parts[i] = parts[i].trim();
    }
    return parts;
  }

  private static boolean contains(CharSequence[] names, String name) {
    if (names == null) {
      return false;
    }
    for (CharSequence n : names) {
      if (n.length() == name.length() && n.toString().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
