package io.datapunk.nexus.compress;

import io.datapunk.nexus.config.CompressionConfig;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.ResponseEncoder;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Response compression ({@code network_optimization.compression}), decided per response once its
 * head is final. A body is compressed when all hold:
 *
 * <ul>
 *   <li>its type is in {@code content_types} (never {@code text/event-stream});
 *   <li>the status is 2xx with a body, and not 206 (a range of the identity body must stay one);
 *   <li>no {@code Content-Encoding} yet (the service already encoded it), no {@code Content-Range},
 *       no {@code Cache-Control: no-transform};
 *   <li>its {@code Content-Length} is at least {@code min_size}, or unknown (a stream);
 *   <li>the request is not HEAD, not HTTP/1.0, and its {@code Accept-Encoding} accepts an offered coding.
 * </ul>
 *
 * Every response of a compressible type and status gets {@code Vary: Accept-Encoding}, compressed
 * or not, so a shared cache never serves one client's coding to another. Request bodies are never
 * touched: a client's gzip upload reaches the service as sent.
 */
public final class ResponseCompression implements ResponseEncoder {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseCompression.class);
  private static final CharSequence ACCEPT_ENCODING = HttpHeaders.createOptimized("Accept-Encoding");

  private final ContentTypes types;
  private final AcceptEncoding negotiation;
  private final long minSize;
  private final int level;

  private ResponseCompression(CompressionConfig config, List<ContentCoding> offered) {
    this.types = new ContentTypes(config.contentTypes());
    this.negotiation = new AcceptEncoding(offered);
    this.minSize = config.minSize();
    this.level = config.level();
  }

  /** The encoder for a config: {@link ResponseEncoder#IDENTITY} when compression is off. */
  public static ResponseEncoder of(CompressionConfig config) {
    if (!config.enabled()) {
      return ResponseEncoder.IDENTITY;
    }
    List<ContentCoding> offered = new ArrayList<>();
    List<String> order = new ArrayList<>();
    order.add(config.algorithm());
    order.addAll(config.algorithms());
    for (String name : order) {
      ContentCoding c = ContentCoding.of(name);
      if (c == null || offered.contains(c)) {
        continue;
      }
      if (c.available()) {
        offered.add(c);
      } else {
        LOG.warn("compression: {} is not available on this platform (native library not loaded); not offered", name);
      }
    }
    return offered.isEmpty() ? ResponseEncoder.IDENTITY : new ResponseCompression(config, offered);
  }

  @Override
  public WriteStream<Buffer> open(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    HttpServerResponse response = request.response();
    MultiMap headers = response.headers();
    int status = response.getStatusCode();
    if (status < 200 || status >= 300 || status == 204 || status == 206
        || !types.matches(headers.get(HttpHeaders.CONTENT_TYPE))) {
      return response;
    }
    if (headers.contains(HttpHeaders.CONTENT_ENCODING)) {
      // Already encoded by the service, which owns its Vary.
      return response;
    }
    addVary(headers);
    if (request.method() == HttpMethod.HEAD || request.version() == HttpVersion.HTTP_1_0
        || headers.contains(HttpHeaders.CONTENT_RANGE) || noTransform(headers.get(HttpHeaders.CACHE_CONTROL))
        || tooSmall(headers.get(HttpHeaders.CONTENT_LENGTH))) {
      return response;
    }
    ContentCoding coding = negotiation.choose(request.getHeader(ACCEPT_ENCODING));
    if (coding == null) {
      return response;
    }
    headers.set(HttpHeaders.CONTENT_ENCODING, coding.header);
    headers.remove(HttpHeaders.CONTENT_LENGTH);
    String etag = headers.get(HttpHeaders.ETAG);
    if (etag != null && !etag.startsWith("W/")) {
      // The compressed bytes differ from the identity ones: a strong validator would lie.
      headers.set(HttpHeaders.ETAG, "W/" + etag);
    }
    if (request.version() != HttpVersion.HTTP_2) {
      response.setChunked(true);
    }
    return new CompressingStream(response, coding.newEncoder(level));
  }

  private boolean tooSmall(String contentLength) {
    if (contentLength == null) {
      return false;
    }
    try {
      return Long.parseLong(contentLength.trim()) < minSize;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static boolean noTransform(String cacheControl) {
    return cacheControl != null && cacheControl.toLowerCase(java.util.Locale.ROOT).contains("no-transform");
  }

  private static void addVary(MultiMap headers) {
    List<String> vary = headers.getAll(HttpHeaders.VARY);
    for (String v : vary) {
      for (String token : v.split(",")) {
        String t = token.trim();
        if (t.equals("*") || t.equalsIgnoreCase("Accept-Encoding")) {
          return;
        }
      }
    }
    headers.add(HttpHeaders.VARY, ACCEPT_ENCODING);
  }
}
