package io.datapunk.nexus.observability;

import java.util.List;

/**
 * Where the state of the services comes from: availability, instances and their health, breaker
 * state. The gateway hands over the resilience and discovery capability's snapshot with
 * {@link Metrics#serviceStates(ServiceStates)} (see {@code Gateway.serviceStates}).
 */
public interface ServiceStates {
  /** Breaker state reported when no breaker is configured for a service. */
  String NO_BREAKER = "none";

  /** A snapshot of every service; called from the admin plane every sample interval and on each scrape. */
  List<ServiceState> services();

  /**
   * One service.
   *
   * @param name the service (route) name
   * @param available whether at least one instance may take traffic
   * @param breaker {@code closed}, {@code open}, {@code half_open} or {@code none}
   * @param instances the service's instances
   */
  record ServiceState(String name, boolean available, String breaker, List<InstanceState> instances) {}

  /**
   * One instance.
   *
   * @param address {@code host:port}
   * @param healthy whether it takes traffic
   */
  record InstanceState(String address, boolean healthy) {}
}
