package io.datapunk.nexus.pipeline;

import io.datapunk.nexus.observability.TraceContext;
import io.datapunk.nexus.routing.Route;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * The state of one request as it passes the pipeline. Lives on the event loop of its connection; no
 * field is touched from another thread.
 */
public final class Exchange {
  private final HttpServerRequest request;
  private final String requestId;
  private final long startNanos;
  private final ExchangeListener[] listeners;
  private final ResponseEncoder encoder;
  private WriteStream<Buffer> responseBody;
  private Route route;
  private String upstreamPath;
  private String upstreamQuery;
  private int next;
  private GatewayError error;
  private int retries;
  private long upstreamStartNanos;
  private long upstreamHeadNanos;
  private boolean completed;
  private TraceContext trace;
  private String upstreamInstance;
  private String cacheResult;
  private BodyTap bodyTap;
  private java.util.function.Predicate<GatewayError> errorFallback;
  private String path;
  private ReadStream<Buffer> body;
  private boolean continueBeforeUpstream;
  private String clientId;
  private MultiMap errorHeaders;
  private GatewayError replacement;
  private String replacementMessage;

  Exchange(HttpServerRequest request, String requestId, long startNanos, ExchangeListener[] listeners) {
    this(request, requestId, startNanos, listeners, ResponseEncoder.IDENTITY);
  }

  Exchange(HttpServerRequest request, String requestId, long startNanos, ExchangeListener[] listeners,
           ResponseEncoder encoder) {
    this.request = request;
    this.requestId = requestId;
    this.startNanos = startNanos;
    this.listeners = listeners;
    this.encoder = encoder;
  }

  /**
   * The stream a response body is written to, once the response head is final: the response itself,
   * or a compressing stream in front of it (see {@link ResponseEncoder}). The first call decides.
   */
  public WriteStream<Buffer> responseBody() {
    if (responseBody == null) {
      responseBody = encoder.open(this);
    }
    return responseBody;
  }

  public HttpServerRequest request() {
    return request;
  }

  public String requestId() {
    return requestId;
  }

  public long startNanos() {
    return startNanos;
  }

  /**
   * The canonical request path (set by input validation): the one path that routing, authorization,
   * rate limiting and caching use.
   */
  public String path() {
    return path;
  }

  public void path(String canonicalPath) {
    this.path = canonicalPath;
  }

  /** The request body as the upstream call reads it (the request itself unless validation wraps it). */
  public ReadStream<Buffer> body() {
    return body == null ? request : body;
  }

  public void body(ReadStream<Buffer> body) {
    this.body = body;
  }

  /** The client sent {@code Expect: 100-continue}: the gateway answers it when the upstream call starts. */
  public void continueBeforeUpstream() {
    this.continueBeforeUpstream = true;
  }

  /**
   * The verified client (JWT client id or subject, API key id), set by authentication; null for
   * anonymous requests. Rate limits key on it.
   */
  public String clientId() {
    return clientId;
  }

  public void clientId(String clientId) {
    this.clientId = clientId;
  }

  /**
   * Headers the gateway's own error response will carry (WWW-Authenticate, Retry-After, CORS): error
   * responses otherwise start from empty headers.
   */
  public MultiMap errorHeaders() {
    if (errorHeaders == null) {
      errorHeaders = MultiMap.caseInsensitiveMultiMap();
    }
    return errorHeaders;
  }

  /**
   * Asks, from {@link Filter#onResponse}, for the service's response to be replaced by the gateway's
   * JSON error (its body is drained, not sent).
   */
  public void replaceResponse(GatewayError error, String message) {
    this.replacement = error;
    this.replacementMessage = message;
  }

  /** The error a response filter asked to answer with instead of the service's response, or null. */
  public GatewayError replacement() {
    return replacement;
  }

  public String replacementMessage() {
    return replacementMessage;
  }

  /** The matched route, or null before routing or when none matched. */
  public Route route() {
    return route;
  }

  void route(Route route, String upstreamPath, String upstreamQuery) {
    this.route = route;
    this.upstreamPath = upstreamPath;
    this.upstreamQuery = upstreamQuery;
  }

  /** The path sent to the service (after prefix handling and rewrites, before the service's base path). */
  public String upstreamPath() {
    return upstreamPath;
  }

  public void upstreamPath(String path) {
    this.upstreamPath = path;
  }

  /** The raw query sent to the service, or null for none. */
  public String upstreamQuery() {
    return upstreamQuery;
  }

  public void upstreamQuery(String query) {
    this.upstreamQuery = query;
  }

  /** Runs the next filter of the route, or the upstream call after the last one. */
  public void proceed() {
    Filter[] filters = route.filters();
    if (next < filters.length) {
      filters[next++].onRequest(this);
    } else {
      if (continueBeforeUpstream) {
        continueBeforeUpstream = false;
        request.response().writeContinue();
      }
      route.upstream().forward(this);
    }
  }

  /** Answers with the gateway's JSON error; the exchange ends. */
  public void fail(GatewayError error, String message) {
    if (fallBack(error)) {
      return;
    }
    this.error = error;
    ErrorResponse.send(request, error, message, requestId, false, errorHeaders, -1);
  }

  /** Answers with the gateway's JSON error and closes the connection (input that cannot be trusted). */
  public void failAndClose(GatewayError error, String message) {
    this.error = error;
    ErrorResponse.send(request, error, message, requestId, true, errorHeaders, -1);
  }

  /** Answers with the gateway's JSON error and a {@code Retry-After} of that many seconds; the exchange ends. */
  public void fail(GatewayError error, String message, long retryAfterSeconds) {
    if (fallBack(error)) {
      return;
    }
    this.error = error;
    ErrorResponse.send(request, error, message, requestId, false, errorHeaders, retryAfterSeconds);
  }

  private boolean fallBack(GatewayError error) {
    java.util.function.Predicate<GatewayError> fallback = errorFallback;
    errorFallback = null;
    return fallback != null && fallback.test(error);
  }

  /** The tap the proxy passes the response body through, or null (see {@link BodyTap}). */
  public BodyTap bodyTap() {
    return bodyTap;
  }

  public void bodyTap(BodyTap tap) {
    this.bodyTap = tap;
  }

  /**
   * A last chance to answer instead of an error (the cache's stale-if-error): asked once, before the
   * next {@link #fail}; returns true when it answered.
   */
  public void errorFallback(java.util.function.Predicate<GatewayError> fallback) {
    this.errorFallback = fallback;
  }

  /** The error the gateway answered with, or null when the response came from the service. */
  public GatewayError error() {
    return error;
  }

  public int retries() {
    return retries;
  }

  public void countRetry() {
    retries++;
  }

  /** Marks the first upstream attempt; listeners hear of it (in-flight counts). */
  public void upstreamStarted(long nanos) {
    upstreamStartNanos = nanos;
    for (ExchangeListener l : listeners) {
      l.onUpstreamStart(this);
    }
  }

  /** Whether an upstream call was started for this exchange. */
  public boolean upstreamCalled() {
    return upstreamStartNanos != 0;
  }

  /** The W3C trace context: the client's trace continued with a new span for the gateway, or a new trace. */
  public TraceContext trace() {
    if (trace == null) {
      trace = TraceContext.from(request.getHeader(TraceContext.TRACEPARENT));
    }
    return trace;
  }

  /** The instance ({@code host:port}) the last upstream attempt went to, or null before any. */
  public String upstreamInstance() {
    return upstreamInstance;
  }

  public void upstreamInstance(String address) {
    this.upstreamInstance = address;
  }

  /** The cache's verdict for the access log ({@code HIT}, {@code MISS}, {@code STALE}...), or null when no cache ran. */
  public String cacheResult() {
    return cacheResult;
  }

  public void cacheResult(String result) {
    this.cacheResult = result;
  }

  public void upstreamHeadReceived(long nanos) {
    upstreamHeadNanos = nanos;
  }

  /** Nanoseconds from the first upstream attempt to the response head, or -1 when none arrived. */
  public long upstreamNanos() {
    return upstreamHeadNanos == 0 ? -1 : upstreamHeadNanos - upstreamStartNanos;
  }

  /** Marks the exchange finished and tells the listeners, once. */
  public void complete() {
    if (completed) {
      return;
    }
    completed = true;
    if (responseBody instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // Releasing encoder state cannot fail in a way the client should see.
      }
    }
    for (ExchangeListener l : listeners) {
      l.onComplete(this);
    }
  }
}
