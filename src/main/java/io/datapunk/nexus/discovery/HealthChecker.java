package io.datapunk.nexus.discovery;

import io.datapunk.nexus.config.HealthCheckConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of one service: every {@code interval}, a {@code GET path} to each instance on
 * a fresh connection (so a dead listener is seen at once). 200-399 within {@code timeout} passes.
 * {@code unhealthy_threshold} failures in a row take an instance out; {@code healthy_threshold} passes
 * in a row bring it back, and also end a passive ejection (the instance proved it is back). All state
 * changes happen on the one event loop of the checker's timer.
 */
public final class HealthChecker {
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

  private final Vertx vertx;
  private final HealthCheckConfig config;
  private final InstanceSet instances;
  private final HttpClient client;
  private final Set<Instance> running = Collections.newSetFromMap(new IdentityHashMap<>());
  private long timerId = -1;

  public HealthChecker(Vertx vertx, HealthCheckConfig config, InstanceSet instances, boolean https) {
    this.vertx = vertx;
    this.config = config;
    this.instances = instances;
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setName("nexus-health-" + instances.service())
        .setKeepAlive(false)
        .setSsl(https)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis())));
  }

  /** Checks every instance now, then every interval. */
  public void start() {
    vertx.runOnContext(v -> {
      checkAll();
      timerId = vertx.setPeriodic(config.interval().toMillis(), id -> checkAll());
    });
  }

  public void stop() {
    if (timerId != -1) {
      vertx.cancelTimer(timerId);
    }
    client.close();
  }

  private void checkAll() {
    for (Instance i : instances.all()) {
      if (running.add(i)) {
        check(i);
      }
    }
  }

  private void check(Instance i) {
    long timeout = config.timeout().toMillis();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(i.host())
        .setPort(i.port())
        .setURI(config.path())
        .setIdleTimeout(timeout)
        .putHeader("User-Agent", "nexus-health-check");
    boolean[] settled = {false};
    long timer = vertx.setTimer(timeout, t -> {
      if (!settled[0]) {
        settled[0] = true;
        result(i, false, "no answer in " + timeout + " ms");
      }
    });
    client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.end().map(v -> resp.statusCode()))
        .onComplete(ar -> {
          if (settled[0]) {
            return;
          }
          settled[0] = true;
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            int status = ar.result();
            result(i, status >= 200 && status < 400, "status " + status);
          } else {
            result(i, false, "no connection or no answer");
          }
        });
  }

  private void result(Instance i, boolean passed, String detail) {
    running.remove(i);
    if (passed) {
      i.checkFailures = 0;
      i.checkPasses++;
      if (!i.healthy && i.checkPasses >= config.healthyThreshold()) {
        i.healthy = true;
        OutlierDetector.uneject(i);
        LOG.info("{} instance {} is healthy again", instances.service(), i.url());
      }
    } else {
      i.checkPasses = 0;
      i.checkFailures++;
      if (i.healthy && i.checkFailures >= config.unhealthyThreshold()) {
        i.healthy = false;
        LOG.warn("{} instance {} is unhealthy: health check failed ({})", instances.service(), i.url(), detail);
      }
    }
  }
}
