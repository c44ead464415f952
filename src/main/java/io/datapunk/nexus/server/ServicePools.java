package io.datapunk.nexus.server;

import io.datapunk.nexus.config.HealthCheckConfig;
import io.datapunk.nexus.config.InstanceConfig;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.PoolConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.proxy.UpstreamServices;
import io.datapunk.nexus.routing.Route;
import io.datapunk.nexus.routing.RouteTable;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Builds the route table of a config on the services a gateway already runs. A service is kept, with
 * its pool and open connections, its instances' health, health checks and Consul watch, while every
 * setting that shapes it is unchanged ({@link Key}); if the whole route is unchanged its upstream is
 * kept too (breaker and outlier state). Only new or changed services are built anew.
 */
final class ServicePools {
  /** What makes two routes' services interchangeable: the service, where its instances are, how their health is checked, the pool settings. */
  record Key(String service, String discovery, String consulService, URI serviceUrl, List<InstanceConfig> instances,
             HealthCheckConfig healthCheck, boolean http2, PoolConfig pool) {
    static Key of(RouteConfig route, PoolConfig pool) {
      return new Key(route.name(), route.upstream().discovery(), route.upstream().consulService(), route.serviceUrl(),
          route.upstream().instances(), route.upstream().healthCheck(), route.http2(), pool);
    }
  }

  /**
   * The routes of one config on their services, ready to swap in: {@code kept} services were taken
   * over from the running gateway, {@code created} are new (not started yet).
   */
  record Plan(NexusConfig config, UpstreamServices services, RouteTable table, List<String> kept, List<String> created) {}

  private ServicePools() {}

  /** The routes of a config on the given services (the start, or a reload's successor). */
  static RouteTable routes(NexusConfig config, UpstreamServices services,
                           BiFunction<RouteConfig, NexusConfig, Filter[]> filters) {
    List<Route> routes = new ArrayList<>();
    for (RouteConfig rc : config.routes()) {
      routes.add(new Route(rc, filters.apply(rc, config), services.upstream(rc.name())));
    }
    return new RouteTable(routes);
  }

  /**
   * The plan of a reload from {@code running} (on {@code current}) to {@code next}. On any failure
   * what it created is closed and the exception is rethrown; nothing changes for requests until the
   * caller swaps the table in.
   */
  static Plan plan(NexusConfig running, UpstreamServices current, NexusConfig next,
                   BiFunction<RouteConfig, NexusConfig, Filter[]> filters) {
    Map<String, RouteConfig> old = new HashMap<>();
    running.routes().forEach(r -> old.put(r.name(), r));
    List<String> kept = new ArrayList<>();
    List<String> created = new ArrayList<>();
    UpstreamServices services = current.successor(next, rc -> {
      UpstreamServices.Reuse reuse = reuse(old.get(rc.name()), running.pool(), rc, next.pool());
      (reuse == UpstreamServices.Reuse.NONE ? created : kept).add(rc.name());
      return reuse;
    });
    for (RouteConfig rc : next.routes()) {
      if (!old.containsKey(rc.name())) {
        created.add(rc.name());
      }
    }
    try {
      return new Plan(next, services, routes(next, services, filters), List.copyOf(kept), List.copyOf(created));
    } catch (RuntimeException e) {
      services.discard(current);
      throw e;
    }
  }

  static UpstreamServices.Reuse reuse(RouteConfig before, PoolConfig poolBefore, RouteConfig after, PoolConfig poolAfter) {
    if (before == null || !Key.of(before, poolBefore).equals(Key.of(after, poolAfter))) {
      return UpstreamServices.Reuse.NONE;
    }
    // Compared as text: a compiled rewrite regex has no equals().
    return Objects.equals(String.valueOf(before), String.valueOf(after)) ? UpstreamServices.Reuse.WHOLE
        : UpstreamServices.Reuse.SERVICE;
  }
}
