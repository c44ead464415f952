package io.datapunk.nexus.observability;

import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.GatewayError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default {@link ServiceStates}: each service has the one instance of its {@code service_url},
 * assumed up until a call to it fails to connect or times out, and up again when a call gets an
 * answer. No active checks and no breaker: those come with the resilience capability.
 */
public final class PassiveHealth implements ServiceStates {
  private final Map<String, Service> services = new LinkedHashMap<>();

  public PassiveHealth(List<RouteConfig> routes) {
    for (RouteConfig r : routes) {
      int port = r.serviceUrl().getPort() > 0 ? r.serviceUrl().getPort() : ("https".equals(r.serviceUrl().getScheme()) ? 443 : 80);
      services.put(r.name(), new Service(r.name(), r.serviceUrl().getHost() + ":" + port));
    }
  }

  /** Notes the outcome of an upstream call; writes only on a change, so the common case is one volatile read. */
  void outcome(String service, GatewayError error, boolean answered) {
    Service s = services.get(service);
    boolean failed = error == GatewayError.SERVICE_DOWN || error == GatewayError.TIMEOUT;
    if (s == null || (!failed && !answered)) {
      // Unknown service, or the client left before the service answered: nothing learned.
      return;
    }
    if (s.up == failed) {
      s.up = !failed;
    }
  }

  @Override
  public List<ServiceState> services() {
    List<ServiceState> out = new ArrayList<>(services.size());
    for (Service s : services.values()) {
      boolean up = s.up;
      out.add(new ServiceState(s.name, up, NO_BREAKER, List.of(new InstanceState(s.address, up))));
    }
    return out;
  }

  private static final class Service {
    final String name;
    final String address;
    volatile boolean up = true;

    Service(String name, String address) {
      this.name = name;
      this.address = address;
    }
  }
}
