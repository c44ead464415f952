package io.datapunk.nexus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.config.RedisConfig;
import io.datapunk.nexus.testing.RedisClusterFixture;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shared Redis client against a real 6-node cluster: reads and writes, and a master failover followed without restart. */
class RedisClusterIT {
  @Test
  void followsAMasterFailoverWithoutRestart() throws Exception {
    try (RedisClusterFixture cluster = RedisClusterFixture.start()) {
      RedisConfig config = new RedisConfig(cluster.nodes(), null, Duration.ofMillis(500), Duration.ofSeconds(1),
          Duration.ofSeconds(1));
      try (RedisCluster redis = RedisCluster.create(config)) {
        StatefulRedisClusterConnection<String, String> c =
            redis.connectStrings().toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
          c.sync().set("k" + i, "v" + i);
        }
        assertThat(c.sync().get("k7")).isEqualTo("v7");

        List<Integer> masters = cluster.masters();
        assertThat(masters).hasSize(3);
        int victim = masters.get(0);
        cluster.kill(victim);
        cluster.awaitHealthy(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
          for (int i = 0; i < 50; i++) {
            c.sync().set("after" + i, "x");
          }
        });
        assertThat(cluster.masters()).hasSize(3).doesNotContain(victim);
        assertThat(c.sync().get("k7")).isEqualTo("v7");
      }
    }
  }

  @Test
  void isAbsentWithoutNodes() {
    assertThat(RedisCluster.create(new RedisConfig(List.of(), null, Duration.ofMillis(50), Duration.ofSeconds(1),
        Duration.ofSeconds(10)))).isNull();
  }
}
