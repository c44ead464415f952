package io.datapunk.nexus.pipeline;

import io.datapunk.nexus.routing.Route;
import io.datapunk.nexus.routing.RouteTable;
import io.datapunk.nexus.validation.LimitsConfig;
import io.datapunk.nexus.validation.RequestValidator;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * The one place where the order of the request pipeline is written:
 *
 * <ol>
 *   <li>request id (taken from the client when well-formed, or generated)
 *   <li>input validation ({@code validation.RequestValidator}): framing, limits, the canonical path
 *   <li>route match (longest prefix, on the canonical path), the route's body limit, upstream path
 *   <li>the route's filters in {@link Stage} order: CORS and response sanitizing, authentication, rate
 *       limit, cache, transform
 *   <li>the route's {@link Upstream}: resilience and the load-balanced, pooled, streamed call
 * </ol>
 *
 * Response-side steps run as the upstream answer passes back ({@link Filter#onResponse}), and
 * {@link ExchangeListener}s are told when each exchange ends.
 */
public final class Pipeline implements Handler<HttpServerRequest> {
  private static final ExchangeListener[] NO_LISTENERS = new ExchangeListener[0];

  private volatile RouteTable routes;
  private final ExchangeListener[] listeners;
  private final ResponseEncoder encoder;
  private final RequestValidator validator;

  public Pipeline(RouteTable routes, List<ExchangeListener> listeners) {
    this(routes, listeners, ResponseEncoder.IDENTITY);
  }

  /** A pipeline whose response bodies pass {@code encoder} (response compression) on the way out. */
  public Pipeline(RouteTable routes, List<ExchangeListener> listeners, ResponseEncoder encoder) {
    this(routes, listeners, encoder, new RequestValidator(LimitsConfig.DEFAULTS, null));
  }

  /** As above, with the input validation of {@code validator} (step 2). */
  public Pipeline(RouteTable routes, List<ExchangeListener> listeners, ResponseEncoder encoder,
                  RequestValidator validator) {
    this.routes = routes;
    this.validator = validator;
    this.listeners = listeners.isEmpty() ? NO_LISTENERS : listeners.toArray(new ExchangeListener[0]);
    this.encoder = encoder;
  }

  /** Swaps the routes atomically; exchanges in flight keep the route they matched. */
  public void routes(RouteTable routes) {
    this.routes = routes;
  }

  public RouteTable routes() {
    return routes;
  }

  @Override
  public void handle(HttpServerRequest request) {
    long start = System.nanoTime();
    if (hasBody(request) || request.headers().contains(HttpHeaders.UPGRADE)) {
      // Nothing of the body is read until the upstream call pipes it (back-pressure); an upgrade's
      // end must stay queued until the WebSocket proxy accepts it, after the filters ran.
      request.pause();
    }
    // 1. request id
    Exchange exchange = new Exchange(request, RequestIds.accept(request.getHeader(RequestIds.HEADER)), start, listeners,
        encoder);
    if (listeners.length > 0) {
      // One handler object for both ends: a request costs one allocation here, not two.
      Handler<Void> done = v -> exchange.complete();
      request.response().endHandler(done);
      request.response().closeHandler(done);
    }
    // 2. input validation: framing, limits, and the one canonical path used from here on
    if (!validator.admit(exchange)) {
      return;
    }
    String path = exchange.path();
    // 3. route match (on the canonical path), then the body limit of that route
    Route route = routes.match(path);
    if (route == null) {
      exchange.fail(GatewayError.NOT_FOUND, "No route matches this path.");
      return;
    }
    if (!validator.admitBody(exchange, route.config().security().maxBodySize())) {
      return;
    }
    exchange.route(route, route.upstreamPath(path), request.query());
    // 4 and 5. the route's filters, then its upstream
    exchange.proceed();
  }

  /**
   * Whether the request has a body: in HTTP/1.x a Content-Length above 0 or a Transfer-Encoding; in
   * HTTP/2 (no framing headers) a stream not ended with its headers.
   */
  public static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return !"0".equals(length);
    }
    if (request.version() == HttpVersion.HTTP_2) {
      return !request.isEnded();
    }
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }
}
