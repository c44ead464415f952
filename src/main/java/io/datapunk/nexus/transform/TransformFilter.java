package io.datapunk.nexus.transform;

import io.datapunk.nexus.config.HeaderRules;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.QueryRules;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.RouteFilterFactory;
import io.datapunk.nexus.pipeline.Stage;

/**
 * A route's request and response transformation: header add/set/remove both ways and query
 * parameter add/remove. (Path rewrites are part of route matching.) Request headers are edited in
 * place before the proxy copies them, so no extra copy is made.
 */
public final class TransformFilter implements Filter {
  private final HeaderRules requestHeaders;
  private final HeaderRules responseHeaders;
  private final QueryRules query;

  TransformFilter(RouteConfig route) {
    this.requestHeaders = route.requestHeaders();
    this.responseHeaders = route.responseHeaders();
    this.query = route.query();
  }

  /** Adds the filter to routes that configure any transformation. */
  public static RouteFilterFactory factory() {
    return RouteFilterFactory.of(Stage.TRANSFORM, (route, config) ->
        route.requestHeaders().isEmpty() && route.responseHeaders().isEmpty() && route.query().isEmpty()
            ? null : new TransformFilter(route));
  }

  @Override
  public void onRequest(Exchange exchange) {
    if (!requestHeaders.isEmpty()) {
      HeaderEdits.apply(requestHeaders, exchange.request().headers());
    }
    if (!query.isEmpty()) {
      exchange.upstreamQuery(QueryEdits.apply(query, exchange.upstreamQuery()));
    }
    exchange.proceed();
  }

  @Override
  public void onResponse(Exchange exchange) {
    if (!responseHeaders.isEmpty()) {
      HeaderEdits.apply(responseHeaders, exchange.request().response().headers());
    }
  }
}
