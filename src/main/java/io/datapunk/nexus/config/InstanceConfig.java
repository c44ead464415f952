package io.datapunk.nexus.config;

import java.net.URI;

/**
 * One static instance of a service ({@code instances:} item).
 *
 * @param url base URL of the instance ({@code http://host:port}, optional base path)
 * @param weight relative share for weighted balancing, and the divisor of in-flight requests for
 *     least-requests balancing (default 1)
 */
public record InstanceConfig(URI url, int weight) {
  public static final int DEFAULT_WEIGHT = 1;

  static InstanceConfig read(ConfigSection s) {
    URI url = ServiceUrls.read(s, "url", true);
    int weight = s.integer("weight", DEFAULT_WEIGHT, 1, 1000);
    s.finish();
    return new InstanceConfig(url, weight);
  }
}
