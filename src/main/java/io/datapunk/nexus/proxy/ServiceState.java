package io.datapunk.nexus.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A snapshot of one route's service for the admin plane (and metrics): its instances with their
 * health, its circuit breaker and its retries.
 *
 * @param name the route (service) name
 * @param prefix the route prefix
 * @param discovery static or consul
 * @param loadBalancing the balancing strategy
 * @param known false while a Consul service has never been answered for
 * @param breaker the circuit breaker
 * @param retries retries made since start (including the one resend after a stale pooled connection)
 * @param retriesRefused retries that were due but refused by the retry budget
 * @param instances the current instances
 */
public record ServiceState(String name, String prefix, String discovery, String loadBalancing, boolean known,
                           Breaker breaker, long retries, long retriesRefused, List<InstanceState> instances) {
  /**
   * @param state closed, open, half_open or disabled
   * @param failureRate percentage of failed calls in the window (-1 until minimum_calls were made)
   * @param slowCallRate percentage of slow calls in the window (-1 until minimum_calls were made)
   * @param bufferedCalls calls in the window
   * @param notPermittedCalls calls refused while open
   */
  public record Breaker(String state, float failureRate, float slowCallRate, int bufferedCalls,
                        long notPermittedCalls) {}

  /**
   * @param url the instance
   * @param weight its weight
   * @param healthy the verdict of active health checks (true when none run)
   * @param ejected whether passive outlier detection has it out now
   * @param ejectedForMillis time left of the ejection
   * @param inFlight requests in flight to it now
   * @param requests attempts sent to it since it appeared
   * @param failures attempts to it that failed
   * @param ejections ejections in a row
   */
  public record InstanceState(String url, int weight, boolean healthy, boolean ejected, long ejectedForMillis,
                              int inFlight, long requests, long failures, int ejections) {
    /** Whether it takes new requests. */
    public boolean available() {
      return healthy && !ejected;
    }
  }

  /** The admin plane's JSON: {@code {"services": [...]}}. */
  public static String toJson(List<ServiceState> services) {
    JsonArray list = new JsonArray();
    for (ServiceState s : services) {
      JsonArray instances = new JsonArray();
      for (InstanceState i : s.instances()) {
        instances.add(new JsonObject()
            .put("url", i.url())
            .put("weight", i.weight())
            .put("state", i.available() ? "up" : "down")
            .put("healthy", i.healthy())
            .put("ejected", i.ejected())
            .put("ejected_for_ms", i.ejectedForMillis())
            .put("in_flight", i.inFlight())
            .put("requests", i.requests())
            .put("failures", i.failures())
            .put("ejections", i.ejections()));
      }
      list.add(new JsonObject()
          .put("name", s.name())
          .put("prefix", s.prefix())
          .put("discovery", s.discovery())
          .put("load_balancing", s.loadBalancing())
          .put("instances_known", s.known())
          .put("breaker", new JsonObject()
              .put("state", s.breaker().state())
              .put("failure_rate", s.breaker().failureRate())
              .put("slow_call_rate", s.breaker().slowCallRate())
              .put("buffered_calls", s.breaker().bufferedCalls())
              .put("not_permitted_calls", s.breaker().notPermittedCalls()))
          .put("retries", s.retries())
          .put("retries_refused", s.retriesRefused())
          .put("instances", instances));
    }
    return new JsonObject().put("services", list).encodePrettily();
  }
}
