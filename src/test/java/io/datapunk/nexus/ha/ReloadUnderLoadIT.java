package io.datapunk.nexus.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayProcess;
import io.datapunk.nexus.testing.Wrk;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A gateway process under wrk load (GETs and POSTs, straight to its port: no balancer to retry
 * anything) has its config file rewritten and reloaded through the admin API 50 times, valid and
 * invalid versions alternating. Every valid one is applied (routes, upstream URLs, pool settings and
 * header policies change, pools are created and retired), every invalid one is rejected with its
 * errors and leaves the running config alone, and not one request fails.
 */
class ReloadUnderLoadIT {
  static final int RELOADS = 50;
  static final String TOKEN = "reload-under-load-token-0123456789";

  /** Valid versions: which lake instance, pool size, a header policy, and an extra route come and go. */
  static String valid(int i, String lakeA, String lakeB) {
    boolean even = i % 4 != 1; // 0 (the start), 3, 7, ...: lake A and the forge route; 1, 5, 9, ...: lake B
    return """
        server: {port: ${PORT}, event_loops: 1, drain_timeout: 2s}
        admin: {port: ${ADMIN_PORT}, token: %s}
        reload: {watch: false}
        service_routes:
          lake:
            prefix: /storage
            service_url: "%s"
            timeout: %d
            request_headers: {set: {X-Config-Version: "v%d"}}
        %s
        network_optimization:
          connection_pooling: {min_size: 2, max_size: %d}
        """.formatted(TOKEN, even ? lakeA : lakeB, 10 + i % 5, i,
        even ? "  forge: {prefix: /model, service_url: \"" + lakeA + "\"}" : "", 40 + i % 3);
  }

  /** Invalid versions, each wrong in its own way; the expected error path. */
  static final List<String[]> INVALID = List.of(
      new String[] {"service_routes:\n  lake: {prefix: /storage, service_url: \"http://x\", timeout: -1}\n",
          "service_routes.lake.timeout"},
      new String[] {"service_routes:\n  lake: {prefix: storage, service_url: \"http://x\"}\n",
          "service_routes.lake.prefix"},
      new String[] {"service_routes:\n  lake: {prefix: /storage}\n", "service_routes.lake.service_url"},
      new String[] {"service_routes: [broken\n", "not valid YAML"},
      new String[] {"service_routes:\n  lake: {prefix: /storage, service_url: \"http://x\"}\nsurprise: true\n",
          "surprise"},
      new String[] {"network_optimization:\n  connection_pooling: {min_size: 50, max_size: 10}\n",
          "network_optimization.connection_pooling.min_size"});

  @Test
  void fiftyReloadsUnderLoadFailNoRequest() throws Exception {
    Map<String, AtomicInteger> posts = RecordingUpstream.newPostLog();
    try (RecordingUpstream lakeA = new RecordingUpstream(posts); RecordingUpstream lakeB = new RecordingUpstream(posts);
         GatewayProcess nexus = GatewayProcess.start(valid(0, lakeA.url(), lakeB.url()), HaIT.JVM)) {
      HttpClient admin = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + nexus.port();
      try (Wrk gets = Wrk.start(base + "/storage/items", 6, null);
           Wrk postLoad = Wrk.start(base + "/storage/orders", 2, HaIT.POST_SCRIPT)) {
        await().atMost(Duration.ofSeconds(30)).until(() -> lakeA.served.get() > 200);
        int applied = 0;
        int rejected = 0;
        for (int i = 1; i <= RELOADS; i++) {
          String yaml;
          String[] invalid = null;
          if (i % 2 == 1) {
            yaml = valid(i, lakeA.url(), lakeB.url());
          } else {
            invalid = INVALID.get((i / 2) % INVALID.size());
            yaml = invalid[0];
          }
          Files.writeString(nexus.configFile(), yaml.replace("${PORT}", Integer.toString(nexus.port()))
              .replace("${ADMIN_PORT}", Integer.toString(nexus.adminPort())));
          HttpResponse<String> r = admin.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + nexus.adminPort() + "/admin/config/reload"))
              .header("Authorization", "Bearer " + TOKEN)
              .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
          JsonObject body = new JsonObject(r.body());
          if (invalid == null) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(body.getString("outcome")).isEqualTo("applied");
            applied++;
            assertThat(body.getLong("generation")).isEqualTo(1L + applied);
          } else {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonObject reload = body.getJsonObject("reload");
            assertThat(reload.getString("outcome")).isEqualTo("rejected");
            assertThat(reload.getLong("generation")).as("the running config stays").isEqualTo(1L + applied);
            assertThat(reload.getJsonArray("errors").encode()).contains(invalid[1]);
            rejected++;
          }
          // Let traffic run on each version for a moment.
          long served = lakeA.served.get() + lakeB.served.get();
          await().atMost(Duration.ofSeconds(30)).until(() -> lakeA.served.get() + lakeB.served.get() > served + 50);
        }
        Wrk.Result get = gets.stop();
        Wrk.Result post = postLoad.stop();
        System.out.printf("ReloadUnderLoadIT: %d reloads (%d applied, %d rejected); GET %d requests, %d failed; "
                + "POST %d requests, %d failed, %d sent twice; lake A served %d, lake B %d%n",
            RELOADS, applied, rejected, get.requests(), get.failed(), post.requests(), post.failed(),
            RecordingUpstream.duplicates(posts), lakeA.served.get(), lakeB.served.get());
        assertThat(applied).isEqualTo(RELOADS / 2);
        assertThat(rejected).isEqualTo(RELOADS / 2);
        assertThat(get.non2xx()).as(get.raw()).isZero();
        assertThat(get.socketErrors()).as(get.raw()).isZero();
        assertThat(post.non2xx()).as(post.raw()).isZero();
        assertThat(post.socketErrors()).as(post.raw()).isZero();
        assertThat(RecordingUpstream.duplicates(posts)).isZero();
        assertThat(lakeA.served.get()).as("valid versions moved lake between two instances").isGreaterThan(1000);
        assertThat(lakeB.served.get()).isGreaterThan(1000);
        assertThat(nexus.log()).contains("config reload rejected").contains("config generation 26 applied");
      }
    }
  }
}
