package io.datapunk.nexus.validation;

import io.datapunk.nexus.observability.AuditLog;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Map;

/**
 * Step 2 of the pipeline: checks a request head before anything else looks at it, and fixes its one
 * canonical path ({@link PathCanonicalizer}). What the HTTP/1 decoder already refuses (bare CR or LF,
 * NUL and other invalid characters in fields, invalid or repeated Content-Length, obs-fold and
 * Content-Length with Transfer-Encoding through {@link StrictRequestDecoder}, request line and header
 * block over size) never reaches it: {@link Http1Guard} answers those. Here:
 *
 * <ul>
 *   <li>more than {@code max_header_count} header fields: 431;
 *   <li>HTTP/1.1 without exactly one Host, a second Host on HTTP/1.0, or a Host that is not a host
 *       name or address with an optional port: 400;
 *   <li>Transfer-Encoding other than a single {@code chunked} (or on HTTP/1.0), or together with
 *       Content-Length: 400;
 *   <li>an {@code Upgrade: h2c} request is served as HTTP/1.1, its upgrade headers removed (never
 *       forwarded);
 *   <li>an {@code Expect} other than {@code 100-continue}: 400; {@code 100-continue} is answered by the
 *       gateway itself once the request passed every filter, never by the service;
 *   <li>a path that cannot be canonicalized: 400.
 * </ul>
 *
 * Every rejection closes the connection: after a framing doubt no further byte is trusted.
 */
public final class RequestValidator {
  private static final CharSequence HTTP2_SETTINGS = HttpHeaders.createOptimized("HTTP2-Settings");
  private final LimitsConfig limits;
  private final AuditLog audit;

  public RequestValidator(LimitsConfig limits, AuditLog audit) {
    this.limits = limits;
    this.audit = audit;
  }

  public LimitsConfig limits() {
    return limits;
  }

  /** Checks the head and sets the exchange's canonical path; answers and returns false on rejection. */
  public boolean admit(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    HttpVersion version = request.version();
    MultiMap headers = request.headers();
    boolean http1 = version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0;
    int count = 0;
    int hosts = 0;
    int transferEncodings = 0;
    boolean contentLength = false;
    boolean upgrade = false;
    boolean expect = false;
    String host = null;
    String transferEncoding = null;
    for (Map.Entry<String, String> e : headers) {
      count++;
      String name = e.getKey();
      switch (name.length()) {
        case 4 -> {
          if (name.equalsIgnoreCase("host")) {
            hosts++;
            host = e.getValue();
          }
        }
        case 6 -> expect |= name.equalsIgnoreCase("expect");
        case 7 -> upgrade |= name.equalsIgnoreCase("upgrade");
        case 14 -> contentLength |= name.equalsIgnoreCase("content-length");
        case 17 -> {
          if (name.equalsIgnoreCase("transfer-encoding")) {
            transferEncodings++;
            transferEncoding = e.getValue();
          }
        }
        default -> {
          // not a header this step checks
        }
      }
    }
    if (count > limits.maxHeaderCount()) {
      return reject(exchange, GatewayError.HEADERS_TOO_LARGE, "The request has too many header fields.");
    }
    if (http1) {
      if (hosts > 1 || (hosts == 0 && version == HttpVersion.HTTP_1_1)) {
        return reject(exchange, GatewayError.VALIDATION, "The request must carry exactly one Host header.");
      }
      if (host != null && !isHost(host)) {
        return reject(exchange, GatewayError.VALIDATION, "The Host header is not valid.");
      }
    }
    if (transferEncodings > 0) {
      if (contentLength || transferEncodings > 1 || version != HttpVersion.HTTP_1_1
          || !transferEncoding.trim().equalsIgnoreCase("chunked")) {
        return reject(exchange, GatewayError.VALIDATION, "The request body framing is ambiguous.");
      }
    }
    if (upgrade && containsToken(headers.get(HttpHeaders.UPGRADE), "h2c")) {
      // RFC 9113 removed the h2c upgrade; the request is served as HTTP/1.1 (clients such as Java's
      // HttpClient ask for it by default) and the upgrade is never passed on.
      headers.remove(HttpHeaders.UPGRADE);
      headers.remove(HTTP2_SETTINGS);
    }
    if (expect) {
      String value = headers.get(HttpHeaders.EXPECT);
      if (headers.getAll(HttpHeaders.EXPECT).size() != 1 || !value.trim().equalsIgnoreCase("100-continue")) {
        return reject(exchange, GatewayError.VALIDATION, "The only expectation accepted is 100-continue.");
      }
      headers.remove(HttpHeaders.EXPECT);
      if (version == HttpVersion.HTTP_1_1) {
        exchange.continueBeforeUpstream();
      }
    }
    String path = PathCanonicalizer.canonicalize(request.path());
    if (path == null) {
      return reject(exchange, GatewayError.VALIDATION, "The request path is not valid.");
    }
    exchange.path(path);
    return true;
  }

  /**
   * Checks the body size once the route is known: a declared length over the limit gets 413 before
   * any of the body is read (and before a 100 Continue is sent); a chunked body is counted as it
   * streams.
   */
  public boolean admitBody(Exchange exchange, long routeLimit) {
    HttpServerRequest request = exchange.request();
    long limit = routeLimit >= 0 ? routeLimit : limits.maxBodySize();
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length);
      } catch (NumberFormatException e) {
        return reject(exchange, GatewayError.VALIDATION, "The Content-Length header is not valid.");
      }
      if (declared > limit) {
        return reject(exchange, GatewayError.BODY_TOO_LARGE, "The request body is larger than this route accepts.");
      }
      return true;
    }
    if (request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
      exchange.body(new LimitedBody(request, limit));
    }
    return true;
  }

  private boolean reject(Exchange exchange, GatewayError error, String message) {
    if (audit != null) {
      io.vertx.core.net.SocketAddress remote = exchange.request().remoteAddress();
      java.util.Map<String, String> details = new java.util.LinkedHashMap<>();
      details.put("method", exchange.request().method().name());
      details.put("path", exchange.request().path());
      details.put("detail", message);
      audit.event("invalid_request", remote == null ? null : remote.hostAddress(), exchange.requestId(), details);
    }
    exchange.failAndClose(error, message);
    return false;
  }

  /** A reg-name, IPv4 or bracketed IP literal, with an optional port: no userinfo, path or spaces. */
  static boolean isHost(String host) {
    int n = host.length();
    if (n == 0 || n > 255) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = host.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
          || c == '.' || c == '_' || c == '~' || c == ':' || c == '[' || c == ']';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean containsToken(String value, String token) {
    if (value == null) {
      return false;
    }
    for (String part : value.split(",")) {
      if (part.trim().regionMatches(true, 0, token, 0, token.length())) {
        return true;
      }
    }
    return false;
  }
}
