package io.datapunk.nexus.proxy;

import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Upstream;
import io.vertx.core.Vertx;

/**
 * The streaming reverse proxy of one route: one pooled upstream call per exchange, request and
 * response bodies piped with back-pressure, the route timeout covering the wait for the response head.
 */
public final class HttpUpstream implements Upstream {
  final Vertx vertx;
  final UpstreamPool pool;
  final String service;
  final String basePath;
  final long timeoutMillis;

  public HttpUpstream(Vertx vertx, RouteConfig route, UpstreamPool pool) {
    this.vertx = vertx;
    this.pool = pool;
    this.service = route.name();
    this.basePath = route.basePath();
    this.timeoutMillis = Math.max(1, route.timeout().toMillis());
  }

  @Override
  public void forward(Exchange exchange) {
    new ProxyCall(this, exchange).start();
  }

  String uri(Exchange exchange) {
    String path = exchange.upstreamPath();
    String query = exchange.upstreamQuery();
    if (basePath.isEmpty() && query == null) {
      return path;
    }
    StringBuilder b = new StringBuilder(basePath.length() + path.length() + (query == null ? 0 : query.length() + 1));
    b.append(basePath).append(path);
    if (query != null) {
      b.append('?').append(query);
    }
    return b.toString();
  }
}
