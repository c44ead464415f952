package io.datapunk.nexus.pipeline;

import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;

/** Makes the filter of one {@link Stage} for a route, or null when the route does not use it. */
public interface RouteFilterFactory {
  Stage stage();

  Filter create(RouteConfig route, NexusConfig config);
}
