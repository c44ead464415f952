package io.datapunk.nexus.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.Chromium;
import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.Http1;
import io.datapunk.nexus.testing.TestUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dashboard end to end in Debian's headless chromium: the page logs in with the token from the
 * URL fragment, shows every service, and under load its numbers and charts move; a screenshot is
 * saved to target/screenshots/dashboard.png.
 */
class DashboardBrowserIT {
  static final String TOKEN = "dashboard-test-token-0123456789";
  static final Path SCREENSHOT = Path.of("target", "screenshots", "dashboard.png");

  static String text(Chromium c, String selector) throws Exception {
    Object v = c.eval("(function(){var e=document.querySelector(" + quote(selector) + ");return e?e.textContent:null;})()");
    return v == null ? null : v.toString();
  }

  static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  static double number(String s) {
    if (s == null) {
      return -1;
    }
    String digits = s.replaceAll("[^0-9.]", "");
    return digits.isEmpty() ? -1 : Double.parseDouble(digits);
  }

  @Test
  void dashboardShowsLiveValuesThatMoveUnderLoad() throws Exception {
    boolean ci = System.getenv("CI") != null;
    Assumptions.assumeTrue(ci || Chromium.installed(), "chromium is not installed (./nexus test installs it)");
    try (TestUpstream services = TestUpstream.start().handler(r -> {
          if (r.path().startsWith("/status/503")) {
            r.response().setStatusCode(503).end("busy");
          } else {
            TestUpstream.echo(r);
          }
        });
        GatewayFixture gw = GatewayFixture.start("""
            admin:
              port: 0
              token: ${TOKEN}
            observability:
              access_log: {enabled: false}
              audit_log: {enabled: false}
              dashboard: {sample_interval: 500ms}
            service_routes:
              lake:
                prefix: /storage
                service_url: ${URL}
                circuit_breaker: {enabled: false}   # keeps lake's 1-in-3 errors visible (no open breaker)
                retry: {statuses: []}
              stream:
                prefix: /stream
                service_url: ${URL}
              cortex:
                prefix: /ai
                service_url: ${URL}
              forge:
                prefix: /model
                service_url: http://127.0.0.1:1
                outlier_detection: {max_ejection_percent: 100}
            network_optimization:
              connection_pooling: {min_size: 0}
            """, Map.of("URL", services.url(), "TOKEN", TOKEN));
        Chromium chromium = Chromium.start(1400, 1100)) {
      chromium.navigate("http://127.0.0.1:" + gw.gateway.adminPort() + "/#token=" + TOKEN);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
          Double.valueOf(1).equals(toDouble(chromium.eval("window.nexusDashboard ? Math.min(1, window.nexusDashboard.polls) : 0"))));
      assertThat(chromium.eval("location.hash")).as("the token leaves the address bar").isEqualTo("");
      assertThat(text(chromium, "#state")).isEqualTo("live");
      for (String service : new String[] {"lake", "stream", "cortex", "forge"}) {
        assertThat(chromium.eval("!!document.querySelector('[data-service=" + service + "]')")).isEqualTo(true);
      }
      assertThat(text(chromium, "#t-hit-sub")).isEqualTo("no cache configured");
      double before = number(text(chromium, "[data-service=lake] [data-testid=total]"));

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger sent = new AtomicInteger();
      ExecutorService load = Executors.newFixedThreadPool(3);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      String[] paths = {"/storage/items", "/stream/events", "/ai/predict", "/storage/status/503", "/model/x"};
      for (int t = 0; t < 3; t++) {
        int offset = t;
        load.submit(() -> {
          int i = offset;
          while (!stop.get() && System.nanoTime() < until) {
            Http1.get(gw.uri(paths[i++ % paths.length]));
            sent.incrementAndGet();
          }
        });
      }
      Set<String> rpsSeen = new HashSet<>();
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
          rpsSeen.add(text(chromium, "#t-rps"));
          return number(text(chromium, "[data-service=lake] [data-testid=rps]")) > 0
              && number(text(chromium, "[data-service=lake] [data-testid=total]")) > before
              && number(text(chromium, "[data-service=lake] [data-testid=p99]")) > 0
              && number(chromium.eval("document.querySelector('[data-service=lake] canvas[data-chart=rps]').dataset.points")
                  .toString()) >= 3
              && number(chromium.eval("document.querySelector('[data-service=lake] canvas[data-chart=latency]').dataset.points")
                  .toString()) >= 3
              && "unavailable".equals(text(chromium, "[data-service=forge] [data-testid=availability]"))
              && ((Number) chromium.eval("document.querySelectorAll('#errors tr').length")).intValue() > 1
              && rpsSeen.size() >= 3;
        });
        // Under load the lake card's error rate is 1 in 3 requests (503s from the service).
        assertThat(number(text(chromium, "[data-service=lake] [data-testid=err]"))).isGreaterThan(0);
        assertThat(text(chromium, "#errors")).contains("503").contains("upstream");
        assertThat(text(chromium, "[data-service=lake] [data-testid=availability]")).isEqualTo("available");
        assertThat(text(chromium, "[data-service=lake] [data-testid=breaker]")).isEqualTo("breaker: not configured");
        assertThat(text(chromium, "[data-service=stream] [data-testid=breaker]")).isEqualTo("breaker: closed");
        assertThat(text(chromium, "[data-service=forge] [data-testid=breaker]")).isIn("breaker: closed", "breaker: open",
            "breaker: half-open");
        byte[] png = chromium.screenshot(SCREENSHOT);
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        assertThat(png.length).isGreaterThan(20_000);
      } finally {
        stop.set(true);
        load.shutdown();
        load.awaitTermination(60, TimeUnit.SECONDS);
      }
      assertThat(sent.get()).isPositive();
    }
  }

  private static Double toDouble(Object o) {
    return o instanceof Number n ? n.doubleValue() : null;
  }
}
