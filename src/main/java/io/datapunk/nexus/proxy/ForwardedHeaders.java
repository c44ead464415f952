package io.datapunk.nexus.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * Adds the proxy headers for the next hop: {@code X-Forwarded-For} (the client address appended),
 * {@code X-Forwarded-Proto}, {@code X-Forwarded-Host} and the standard {@code Forwarded} (RFC 7239).
 */
final class ForwardedHeaders {
  static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
  static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");
  static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("X-Forwarded-Host");
  static final CharSequence FORWARDED = HttpHeaders.createOptimized("Forwarded");
  /** Headers the copy skips because this class writes them. */
  static final CharSequence[] WRITTEN = {HttpHeaders.HOST, X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST};

  private ForwardedHeaders() {}

  static void add(HttpServerRequest request, MultiMap to) {
    SocketAddress remote = request.remoteAddress();
    String client = remote == null ? "unknown" : remote.hostAddress();
    String prior = request.getHeader(X_FORWARDED_FOR);
    to.set(X_FORWARDED_FOR, prior == null || prior.isBlank() ? client : prior + ", " + client);
    String proto = request.isSSL() ? "https" : "http";
    to.set(X_FORWARDED_PROTO, proto);
    String host = request.getHeader(HttpHeaders.HOST);
    if (host == null && request.authority() != null) {
      // HTTP/2 carries the host in :authority, not in a Host header.
      host = request.authority().toString();
    }
    if (host != null) {
      to.set(X_FORWARDED_HOST, host);
    }
    StringBuilder fwd = new StringBuilder(64).append("for=");
    if (client.indexOf(':') >= 0) {
      fwd.append("\"[").append(client).append("]\"");
    } else {
      fwd.append(client);
    }
    if (host != null && isQuotable(host)) {
      fwd.append(";host=\"").append(host).append('"');
    }
    fwd.append(";proto=").append(proto);
    to.add(FORWARDED, fwd.toString());
  }

  /** Whether a Host value can go inside a quoted string without escaping. */
  private static boolean isQuotable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
