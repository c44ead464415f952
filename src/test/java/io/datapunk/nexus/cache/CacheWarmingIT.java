package io.datapunk.nexus.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Warming on a schedule and hot entries refreshed before they expire. */
class CacheWarmingIT {
  @Test
  void warmPathsAreFetchedAgainOnTheirSchedule() {
    CacheUpstream upstream = new CacheUpstream();
    try (GatewayFixture gw = GatewayFixture.start("""
        cache_strategy:
          warming:
            interval: 1s
        service_routes:
          lake:
            prefix: /storage
            service_url: ${UP}
            cache:
              warm: ["/storage/home?page=1"]
        """, Map.of("UP", upstream.url()))) {
      await().atMost(Duration.ofSeconds(15)).until(() -> upstream.calls("/home") >= 3);
      HttpResponse<String> r = gw.get("/storage/home?page=1");
      assertThat(r.headers().firstValue("X-Cache")).contains("HIT");
    } finally {
      upstream.close();
    }
  }

  @Test
  void aHotEntryIsRefreshedBeforeItExpiresSoClientsNeverMiss() {
    CacheUpstream upstream = new CacheUpstream();
    try (GatewayFixture gw = GatewayFixture.start("""
        cache_strategy:
          warming:
            hot_keys:
              min_hits: 2
              refresh_before: 3s
        service_routes:
          lake:
            prefix: /storage
            service_url: ${UP}
            cache: {}
        """, Map.of("UP", upstream.url()))) {
      String uri = "/storage/hot?cc=max-age=5";
      assertThat(gw.get(uri).headers().firstValue("X-Cache")).contains("MISS");
      List<String> verdicts = new ArrayList<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
        verdicts.add(gw.get(uri).headers().firstValue("X-Cache").orElse(""));
        return upstream.calls("/hot") >= 3;
      });
      assertThat(verdicts).containsOnly("HIT");
    } finally {
      upstream.close();
    }
  }
}
