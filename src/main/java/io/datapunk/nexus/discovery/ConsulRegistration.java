package io.datapunk.nexus.discovery;

import io.datapunk.nexus.config.DiscoveryConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the gateway in Consul's agent ({@code PUT /v1/agent/service/register}) with an HTTP check
 * on the admin port's {@code /health/ready}, retrying with backoff until the agent accepts, and
 * deregisters it on shutdown.
 */
public final class ConsulRegistration {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulRegistration.class);

  private final Vertx vertx;
  private final HttpClient client;
  private final DiscoveryConfig.Consul config;
  private final JsonObject body;
  private final String id;
  private int errorsInRow;
  private volatile boolean stopped;
  private volatile boolean registered;

  public ConsulRegistration(Vertx vertx, HttpClient client, DiscoveryConfig.Consul config, int dataPort,
                            int adminPort) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    DiscoveryConfig.Registration r = config.register();
    String host = r.address().indexOf(':') >= 0 ? "[" + r.address() + "]" : r.address();
    this.id = r.id() != null ? r.id() : r.name() + "-" + r.address() + "-" + dataPort;
    this.body = new JsonObject()
        .put("ID", id)
        .put("Name", r.name())
        .put("Tags", new JsonArray(r.tags()))
        .put("Address", r.address())
        .put("Port", dataPort)
        .put("Check", new JsonObject()
            .put("HTTP", "http://" + host + ":" + adminPort + "/health/ready")
            .put("Interval", seconds(r.checkInterval()))
            .put("Timeout", seconds(r.checkTimeout()))
            .put("DeregisterCriticalServiceAfter", seconds(r.deregisterAfter())));
  }

  /** The registration sent to the agent. */
  public JsonObject body() {
    return body;
  }

  public boolean registered() {
    return registered;
  }

  public void start() {
    vertx.runOnContext(v -> register());
  }

  private void register() {
    if (stopped) {
      return;
    }
    put("/v1/agent/service/register", body).onComplete(ar -> {
      if (ar.succeeded()) {
        registered = true;
        errorsInRow = 0;
        LOG.info("registered in Consul as {}", id);
        return;
      }
      errorsInRow++;
      long delay = Math.min(config.maxErrorBackoff().toMillis(),
          config.errorBackoff().toMillis() << Math.min(20, errorsInRow - 1));
      LOG.warn("Consul registration failed ({}); retrying in {} ms", ar.cause().getMessage(), delay);
      if (!stopped) {
        vertx.setTimer(delay, t -> register());
      }
    });
  }

  /** Deregisters (when registered); completes within about two seconds whatever Consul does. */
  public Future<Void> stop() {
    if (stopped) {
      // Already deregistered (a drain deregisters at its start, the stop after it again).
      return Future.succeededFuture();
    }
    stopped = true;
    if (!registered) {
      return Future.succeededFuture();
    }
    return put("/v1/agent/service/deregister/" + URLEncoder.encode(id, StandardCharsets.UTF_8), null)
        .otherwise(e -> {
          LOG.warn("Consul deregistration of {} failed ({})", id, e.getMessage());
          return null;
        });
  }

  private Future<Void> put(String path, JsonObject json) {
    URI address = config.address();
    boolean https = "https".equals(address.getScheme());
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.PUT)
        .setHost(address.getHost())
        .setPort(address.getPort() > 0 ? address.getPort() : (https ? 443 : 80))
        .setSsl(https)
        .setURI(path)
        .setIdleTimeout(2_000)
        .setConnectTimeout(2_000);
    if (config.token() != null) {
      options.putHeader("X-Consul-Token", config.token());
    }
    return client.request(options)
        .compose(req -> json == null ? req.send() : req.send(json.toBuffer()))
        .compose(resp -> resp.end().compose(v -> resp.statusCode() == 200 ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("status " + resp.statusCode()))));
  }

  private static String seconds(java.time.Duration d) {
    return Math.max(1, d.toSeconds()) + "s";
  }
}
