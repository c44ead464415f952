package io.datapunk.nexus.transform;

import io.datapunk.nexus.config.QueryRules;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Applies {@link QueryRules} to a raw query string: removes named parameters, then appends the added ones. */
final class QueryEdits {
  private QueryEdits() {}

  /** The new raw query, or null when it ends up empty. Untouched parameters keep their exact bytes. */
  static String apply(QueryRules rules, String rawQuery) {
    StringBuilder out = new StringBuilder(rawQuery == null ? 32 : rawQuery.length() + 32);
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String rawName = eq < 0 ? pair : pair.substring(0, eq);
        if (rules.remove().contains(decode(rawName))) {
          continue;
        }
        if (out.length() > 0) {
          out.append('&');
        }
        out.append(pair);
      }
    }
    for (Map.Entry<String, String> e : rules.add().entrySet()) {
      if (out.length() > 0) {
        out.append('&');
      }
      out.append(encode(e.getKey())).append('=').append(encode(e.getValue()));
    }
    return out.length() == 0 ? null : out.toString();
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
