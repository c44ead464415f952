package io.datapunk.nexus.observability;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.ExchangeListener;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.routing.Route;
import io.vertx.core.http.HttpServerRequest;

/**
 * Records each finished exchange: the route's counters and histograms, upstream time and retries,
 * and errors into {@link RecentErrors}. Runs on the exchange's
 * event loop; the common path is a map read, two increments and two histogram records.
 */
public final class RequestMetrics implements ExchangeListener {
  private final Metrics metrics;
  private final RecentErrors recent;
  public RequestMetrics(Metrics metrics, RecentErrors recent) {
    this.metrics = metrics;
    this.recent = recent;
  }

  @Override
  public void onUpstreamStart(Exchange exchange) {
    metrics.route(exchange.route().name()).upstreamStarted.increment();
  }

  @Override
  public void onComplete(Exchange exchange) {
    long end = System.nanoTime();
    Route route = exchange.route();
    RouteMeters m = metrics.route(route == null ? Metrics.UNMATCHED : route.name());
    HttpServerRequest request = exchange.request();
    int status = request.response().getStatusCode();
    m.record(status, end - exchange.startNanos());
    GatewayError error = exchange.error();
    if (exchange.upstreamCalled()) {
      m.upstreamFinished.increment();
      m.upstream(exchange.upstreamNanos(), exchange.retries());
    }
    if (error != null) {
      m.error(error);
    }
    if (error != null || status >= 500) {
      recent.add(new RecentErrors.Entry(System.currentTimeMillis(), exchange.requestId(), exchange.trace().traceId(),
          m.route(), request.method().name(), request.path(), status, error == null ? "upstream" : error.code()));
    }
  }
}
