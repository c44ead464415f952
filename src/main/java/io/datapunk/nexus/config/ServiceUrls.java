package io.datapunk.nexus.config;

import java.net.URI;
import java.net.URISyntaxException;

/** Reads a service base URL: absolute {@code http://} or {@code https://} with a host, optional path, no query. */
final class ServiceUrls {
  private ServiceUrls() {}

  /** The URL at {@code key}, or null (with an error recorded when it is malformed, or missing and required). */
  static URI read(ConfigSection s, String key, boolean required) {
    String url = required ? s.requiredString(key) : s.string(key, null);
    if (url == null) {
      return null;
    }
    try {
      URI uri = new URI(url);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        s.error(key, url, "an absolute http:// or https:// URL with a host");
        return null;
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        s.error(key, url, "a URL without query or fragment");
        return null;
      }
      return uri;
    } catch (URISyntaxException e) {
      s.error(key, url, "an absolute http:// or https:// URL");
      return null;
    }
  }

  /** The URL's base path ("" when it has none), without a trailing slash. */
  static String basePath(URI url) {
    String p = url == null ? null : url.getRawPath();
    return p == null || p.isEmpty() || p.equals("/") ? "" : (p.endsWith("/") ? p.substring(0, p.length() - 1) : p);
  }
}
