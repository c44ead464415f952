package io.datapunk.nexus.sanitize;

import io.datapunk.nexus.pipeline.RouteFilterFactory;
import io.datapunk.nexus.pipeline.Stage;

/** The factories of the CORS stage: response sanitizing on every route, then CORS where configured. */
public final class EdgeResponses {
  private EdgeResponses() {}

  /** Sanitizes every route's responses (runs last on the way out, after CORS). */
  public static RouteFilterFactory sanitizer() {
    return RouteFilterFactory.of(Stage.CORS,
        (route, config) -> new ResponseSanitizer(route.name(), config.security().response()));
  }

  /** Answers preflights and adds CORS headers on routes with a {@code cors} policy. */
  public static RouteFilterFactory cors() {
    return RouteFilterFactory.of(Stage.CORS, (route, config) -> {
      CorsPolicy policy = route.security().cors();
      return policy == null ? null : new CorsFilter(policy);
    });
  }
}
