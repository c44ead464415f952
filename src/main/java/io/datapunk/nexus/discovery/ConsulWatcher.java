package io.datapunk.nexus.discovery;

import io.datapunk.nexus.config.DiscoveryConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one service in Consul with blocking queries on {@code /v1/health/service/<name>?passing}:
 * each query waits up to {@code wait} for a change after the last {@code X-Consul-Index}, and its
 * answer (the passing instances) replaces the service's instance list. Errors keep the last known
 * list and retry with exponential backoff; the index rules of Consul's blocking-query documentation
 * apply (an index that goes backwards restarts from 0; one below 1 is taken as 1).
 */
public final class ConsulWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulWatcher.class);
  /** Queries start at most this often, even when Consul answers at once (as its documentation asks). */
  static final long MIN_QUERY_INTERVAL_MS = 100;

  private final Vertx vertx;
  private final HttpClient client;
  private final DiscoveryConfig.Consul config;
  private final String service;
  private final String scheme;
  private final String basePath;
  private final Consumer<List<Instance.Address>> onChange;
  private long index;
  private int errorsInRow;
  private long lastStartMillis;
  private volatile boolean stopped;
  private long timerId = -1;

  public ConsulWatcher(Vertx vertx, HttpClient client, DiscoveryConfig.Consul config, String service, String scheme,
                       String basePath, Consumer<List<Instance.Address>> onChange) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.service = service;
    this.scheme = scheme;
    this.basePath = basePath;
    this.onChange = onChange;
  }

  public void start() {
    vertx.runOnContext(v -> query());
  }

  public void stop() {
    stopped = true;
    if (timerId != -1) {
      vertx.cancelTimer(timerId);
    }
  }

  private void query() {
    if (stopped) {
      return;
    }
    timerId = -1;
    lastStartMillis = System.currentTimeMillis();
    URI address = config.address();
    boolean https = "https".equals(address.getScheme());
    long waitMs = config.blockingWait().toMillis();
    StringBuilder uri = new StringBuilder(128).append("/v1/health/service/")
        .append(URLEncoder.encode(service, StandardCharsets.UTF_8)).append("?passing=true")
        .append("&index=").append(index).append("&wait=").append(Math.max(1, waitMs / 1000)).append('s');
    if (config.datacenter() != null) {
      uri.append("&dc=").append(URLEncoder.encode(config.datacenter(), StandardCharsets.UTF_8));
    }
    if (config.tag() != null) {
      uri.append("&tag=").append(URLEncoder.encode(config.tag(), StandardCharsets.UTF_8));
    }
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(address.getHost())
        .setPort(address.getPort() > 0 ? address.getPort() : (https ? 443 : 80))
        .setSsl(https)
        .setURI(uri.toString())
        // Consul adds up to wait/16 of jitter to the wait; past that (and a margin) the query is lost.
        .setIdleTimeout(waitMs + waitMs / 16 + 5_000);
    if (config.token() != null) {
      options.putHeader("X-Consul-Token", config.token());
    }
    client.request(options)
        .compose(req -> req.send())
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            return resp.end().transform(v -> io.vertx.core.Future.<Answer>failedFuture(
                new IllegalStateException("status " + resp.statusCode())));
          }
          String idx = resp.getHeader("X-Consul-Index");
          return resp.body().map(body -> new Answer(idx, body));
        })
        .onComplete(ar -> {
          if (stopped) {
            return;
          }
          if (ar.succeeded()) {
            accepted(ar.result());
          } else {
            failed(ar.cause().getMessage());
          }
        });
  }

  private record Answer(String index, Buffer body) {}

  private void accepted(Answer answer) {
    List<Instance.Address> addresses;
    long next;
    try {
      addresses = parse(answer.body());
      next = Long.parseLong(answer.index() == null ? "" : answer.index().trim());
    } catch (RuntimeException e) {
      failed("an answer that is not a service health list with X-Consul-Index");
      return;
    }
    if (errorsInRow > 0) {
      LOG.info("Consul answers again for {}: {} instances", service, addresses.size());
    }
    errorsInRow = 0;
    if (next < index) {
      next = 0;
    } else if (next < 1) {
      next = 1;
    }
    boolean changed = next != index || index == 0;
    index = next;
    if (changed) {
      onChange.accept(addresses);
    }
    long since = System.currentTimeMillis() - lastStartMillis;
    schedule(Math.max(0, MIN_QUERY_INTERVAL_MS - since));
  }

  private void failed(String why) {
    errorsInRow++;
    long base = config.errorBackoff().toMillis();
    long cap = config.maxErrorBackoff().toMillis();
    long delay = Math.min(cap, base << Math.min(20, errorsInRow - 1));
    // Jitter in [delay/2, delay], so many gateways do not query in step after an outage.
    delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    if (errorsInRow == 1 || errorsInRow % 10 == 0) {
      LOG.warn("Consul query for {} failed ({}); keeping the last known instances, retrying in {} ms", service, why,
          delay);
    }
    schedule(delay);
  }

  private void schedule(long delayMs) {
    if (stopped) {
      return;
    }
    if (delayMs <= 0) {
      query();
    } else {
      timerId = vertx.setTimer(delayMs, t -> query());
    }
  }

  /** The passing instances of a {@code /v1/health/service} answer. */
  List<Instance.Address> parse(Buffer body) {
    JsonArray entries = new JsonArray(body);
    List<Instance.Address> out = new ArrayList<>(entries.size());
    for (int k = 0; k < entries.size(); k++) {
      JsonObject entry = entries.getJsonObject(k);
      JsonObject svc = entry.getJsonObject("Service");
      JsonObject node = entry.getJsonObject("Node");
      if (svc == null) {
        continue;
      }
      String host = svc.getString("Address");
      if (host == null || host.isBlank()) {
        host = node == null ? null : node.getString("Address");
      }
      Integer port = svc.getInteger("Port");
      if (host == null || host.isBlank() || port == null || port <= 0 || port > 65535) {
        continue;
      }
      int weight = 1;
      JsonObject weights = svc.getJsonObject("Weights");
      if (weights != null && weights.getInteger("Passing") != null) {
        weight = Math.max(1, weights.getInteger("Passing"));
      }
      out.add(new Instance.Address(scheme, host, port, basePath, weight));
    }
    return out;
  }
}
