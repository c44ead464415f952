package io.datapunk.nexus.pipeline;

import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.observability.Observability;

/** Makes the filter of one {@link Stage} for a route, or null when the route does not use it. */
public interface RouteFilterFactory {
  Stage stage();

  Filter create(RouteConfig route, NexusConfig config);

  /**
   * The same, with the gateway's metrics, audit log and admin hooks at hand (what the gateway calls);
   * factories that record metrics or audit events override this one.
   */
  default Filter create(RouteConfig route, NexusConfig config, Observability observability) {
    return create(route, config);
  }

  /** A factory of one stage whose filter depends only on the route and the config. */
  static RouteFilterFactory of(Stage stage, java.util.function.BiFunction<RouteConfig, NexusConfig, Filter> maker) {
    return new RouteFilterFactory() {
      @Override
      public Stage stage() {
        return stage;
      }

      @Override
      public Filter create(RouteConfig route, NexusConfig config) {
        return maker.apply(route, config);
      }
    };
  }
}
