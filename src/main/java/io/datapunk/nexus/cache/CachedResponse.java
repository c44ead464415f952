package io.datapunk.nexus.cache;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.RequestIds;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One stored response, immutable once built and shared by every event loop: status, headers
 * pre-encoded for Netty, and the body as one Vert.x buffer written as is on every hit (Netty writes a
 * slice, never a copy). A {@linkplain #marker() Vary marker} has no body: it lists the request headers
 * the response varies on, and the variants live under their own keys.
 */
final class CachedResponse {
  static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
  static final CharSequence HIT = HttpHeaders.createOptimized("HIT");
  static final CharSequence MISS = HttpHeaders.createOptimized("MISS");
  static final CharSequence STALE = HttpHeaders.createOptimized("STALE");
  static final CharSequence REVALIDATED = HttpHeaders.createOptimized("REVALIDATED");
  // The same verdicts as plain strings, for the access log (Exchange#cacheResult).
  static final String HIT_WORD = "HIT";
  static final String MISS_WORD = "MISS";
  static final String STALE_WORD = "STALE";
  static final String REVALIDATED_WORD = "REVALIDATED";
  static final String BYPASS_WORD = "BYPASS";
  private static final AsciiString[] AGES = new AsciiString[4096];
  private static final int OVERHEAD = 256;

  static {
    for (int i = 0; i < AGES.length; i++) {
      AGES[i] = AsciiString.of(Integer.toString(i));
    }
  }

  final String key;
  final String route;
  final String path;
  final long version;
  final int status;
  final String[] headerNames;
  final String[] headerValues;
  final Buffer body;
  /** Epoch millis: when the entry's age was 0 (storage time minus the age it arrived with). */
  final long ageBase;
  final long freshUntil;
  final long staleWhileRevalidateUntil;
  final long staleIfErrorUntil;
  final String[] varyNames;
  final String[] varyValues;
  final String[] tags;
  final boolean shared;
  final AtomicInteger hits = new AtomicInteger();
  private final CharSequence[] names;
  private final CharSequence[] values;
  private final boolean[] keepOn304;
  private final CharSequence contentLength;
  private final String etag;
  private final long lastModified;
  private final int weight;

  CachedResponse(String key, String route, String path, long version, int status, String[] headerNames,
                 String[] headerValues, Buffer body, long ageBase, long freshUntil, long staleWhileRevalidateUntil,
                 long staleIfErrorUntil, String[] varyNames, String[] varyValues, String[] tags, boolean shared) {
    this.key = key;
    this.route = route;
    this.path = path;
    this.version = version;
    this.status = status;
    this.headerNames = headerNames;
    this.headerValues = headerValues;
    this.body = body;
    this.ageBase = ageBase;
    this.freshUntil = freshUntil;
    this.staleWhileRevalidateUntil = staleWhileRevalidateUntil;
    this.staleIfErrorUntil = staleIfErrorUntil;
    this.varyNames = varyNames;
    this.varyValues = varyValues;
    this.tags = tags;
    this.shared = shared;
    int n = headerNames.length;
    this.names = new CharSequence[n];
    this.values = new CharSequence[n];
    this.keepOn304 = new boolean[n];
    String tag = null;
    long modified = -1;
    int w = OVERHEAD + key.length() * 2 + (body == null ? 0 : body.length());
    for (int i = 0; i < n; i++) {
      String lower = headerNames[i].toLowerCase(Locale.ROOT);
      names[i] = HttpHeaders.createOptimized(headerNames[i]);
      values[i] = AsciiString.of(headerValues[i]);
      keepOn304[i] = switch (lower) {
        case "cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified" -> true;
        default -> false;
      };
      if (lower.equals("etag")) {
        tag = headerValues[i];
      } else if (lower.equals("last-modified")) {
        modified = httpDate(headerValues[i]);
      }
      w += (headerNames[i].length() + headerValues[i].length()) * 2 + 32;
    }
    this.etag = tag;
    this.lastModified = modified;
    this.contentLength = body == null ? null : AsciiString.of(Integer.toString(body.length()));
    this.weight = w;
  }

  /** A body-less entry naming the request headers whose values select the variant. */
  static CachedResponse marker(String key, String route, String path, long version, String[] varyNames,
                               long freshUntil, long removeAt) {
    return new CachedResponse(key, route, path, version, 0, new String[0], new String[0], null, 0, freshUntil,
        removeAt, removeAt, varyNames, null, new String[0], true);
  }

  boolean marker() {
    return body == null;
  }

  boolean isFresh(long now) {
    return now < freshUntil;
  }

  /** When the entry may be dropped: after the last moment it may be served stale. */
  long removeAt() {
    return Math.max(freshUntil, Math.max(staleWhileRevalidateUntil, staleIfErrorUntil));
  }

  int weight() {
    return weight;
  }

  /** The stored ETag, or null. */
  String etag() {
    return etag;
  }

  /** The stored Last-Modified value as sent, or null. */
  String lastModifiedValue() {
    for (int i = 0; i < headerNames.length; i++) {
      if (headerNames[i].equalsIgnoreCase("last-modified")) {
        return headerValues[i];
      }
    }
    return null;
  }

  /** Whether the request's values of the Vary headers are those this variant was stored for. */
  boolean matchesVariant(HttpServerRequest request) {
    if (varyNames == null || varyValues == null) {
      return true;
    }
    for (int i = 0; i < varyNames.length; i++) {
      String v = CacheKeys.varyValue(request, varyNames[i]);
      if (!v.equals(varyValues[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Answers the exchange from this entry: 304 when the client's validator matches, otherwise the
   * stored status, headers and body (no body for HEAD). Adds {@code Age}, {@code X-Cache} and the
   * request id. The body goes through {@link Exchange#responseBody()}, so response compression
   * applies to hits as to proxied answers.
   */
  void write(Exchange exchange, CharSequence verdict, long now) {
    HttpServerRequest request = exchange.request();
    HttpServerResponse response = request.response();
    MultiMap out = response.headers();
    boolean notModified = status == 200 && notModified(request);
    response.setStatusCode(notModified ? 304 : status);
    for (int i = 0; i < names.length; i++) {
      if (!notModified || keepOn304[i]) {
        out.add(names[i], values[i]);
      }
    }
    long age = Math.max(0, (now - ageBase) / 1000);
    out.set(HttpHeaders.AGE, age < AGES.length ? AGES[(int) age] : Long.toString(age));
    out.set(X_CACHE, verdict);
    out.set(RequestIds.HEADER, exchange.requestId());
    if (notModified) {
      response.end();
      return;
    }
    out.set(HttpHeaders.CONTENT_LENGTH, contentLength);
    if (request.method() == HttpMethod.HEAD) {
      exchange.responseBody().end();
    } else {
      exchange.responseBody().end(body);
    }
  }

  /** RFC 9110 §13.1.2 (weak comparison) and §13.1.3; If-Modified-Since counts only without If-None-Match. */
  private boolean notModified(HttpServerRequest request) {
    String inm = request.getHeader(HttpHeaders.IF_NONE_MATCH);
    if (inm != null) {
      if (etag == null) {
        return false;
      }
      String mine = weak(etag);
      for (String candidate : inm.split(",")) {
        String c = candidate.trim();
        if (c.equals("*") || weak(c).equals(mine)) {
          return true;
        }
      }
      return false;
    }
    String ims = request.getHeader(HttpHeaders.IF_MODIFIED_SINCE);
    if (ims != null && lastModified >= 0) {
      long since = httpDate(ims);
      return since >= 0 && lastModified <= since;
    }
    return false;
  }

  private static String weak(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }

  /** An HTTP date in epoch millis, or -1 when it does not parse. */
  static long httpDate(String s) {
    try {
      return ZonedDateTime.parse(s.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
