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
}
