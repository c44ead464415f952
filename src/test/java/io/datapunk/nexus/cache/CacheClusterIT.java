package io.datapunk.nexus.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.RedisClusterFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two gateway instances sharing a real 6-node Redis Cluster (3 masters, 3 replicas) on loopback:
 * the shared tier, invalidation across instances, versioned writes, a master failover under load and
 * the whole cluster going away. The tests run in order: the last two break the cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CacheClusterIT {
  static RedisClusterFixture cluster;
  static CacheUpstream upstream;
  static GatewayFixture a;
  static GatewayFixture b;

  @BeforeAll
  static void start() throws Exception {
    cluster = RedisClusterFixture.start();
    upstream = new CacheUpstream();
    String yaml = """
        redis:
          nodes: ${NODES}
          command_timeout: 250ms
          topology_refresh: 1s
        cache_strategy:
          distributed_cache:
            primary:
              type: "redis_cluster"
              nodes: 3
              replication_factor: 2
              configuration:
                maxmemory: "4gb"
                maxmemory-policy: "volatile-lru"
            secondary:
              type: "local_memory"
              size: "64mb"
              eviction: "lru"
          warming:
            hot_keys:
              min_hits: 0
        service_routes:
          lake:
            prefix: /storage
            service_url: ${UP}
            timeout: 5
            cache:
              ttl: 60s
        """.replace("${NODES}", cluster.nodesYaml());
    Map<String, String> vars = Map.of("UP", upstream.url());
    a = GatewayFixture.start(yaml, vars);
    b = GatewayFixture.start(yaml, vars);
    for (GatewayFixture g : List.of(a, b)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> g.gateway.cache().sharedTierReady());
    }
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {a, b}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // closing anyway
      }
    }
    if (upstream != null) {
      upstream.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static HttpResponse<String> get(GatewayFixture g, String uri, String... headers) {
    HttpRequest.Builder r = HttpRequest.newBuilder(g.uri(uri)).timeout(Duration.ofSeconds(10)).GET();
    if (headers.length > 0) {
      r.headers(headers);
    }
    return g.send(r.build());
  }

  static String xcache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("");
  }

  @Test
  @Order(1)
  void cachedThroughAIsAHitOnBAndAPutThroughBInvalidatesAWithinOneSecond() {
    HttpResponse<String> first = get(a, "/storage/shared");
    assertThat(xcache(first)).isEqualTo("MISS");
    // The write to Redis follows the response: B sees it as soon as it lands.
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> a.gateway.cache().stats().route("lake").stores() >= 1 && l2Has(a, "/shared"));
    HttpResponse<String> onB = get(b, "/storage/shared");
    assertThat(xcache(onB)).isEqualTo("HIT");
    assertThat(onB.body()).isEqualTo(first.body());
    assertThat(upstream.calls("/shared")).isEqualTo(1);
    assertThat(b.gateway.cache().stats().route("lake").hitsL2()).isEqualTo(1);
    assertThat(xcache(get(a, "/storage/shared"))).isEqualTo("HIT");

    HttpResponse<String> put = b.send(HttpRequest.newBuilder(b.uri("/storage/shared"))
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
    assertThat(put.statusCode()).isEqualTo(204);
    long t0 = System.nanoTime();
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> a.gateway.cache().l1.get(keyOf("/shared"), System.currentTimeMillis()) == null);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(millis).isLessThan(1000);
    System.out.printf("cache: PUT through B reached A's L1 within %d ms%n", millis);
    HttpResponse<String> after = get(a, "/storage/shared");
    assertThat(xcache(after)).isEqualTo("MISS");
    assertThat(after.body()).isNotEqualTo(first.body());
  }

  static String keyOf(String path) {
    return CacheKeys.resourceTag("lake", "/storage" + path) + ":" + a.gateway.cache().routes.get("lake").namespace
        + ":GET:";
  }

  static boolean l2Has(GatewayFixture g, String path) {
    try {
      return g.gateway.cache().l2.get(keyOf(path)).toCompletableFuture().get(5, TimeUnit.SECONDS) != null;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Order(2)
  void hundredConcurrentRequestsForAColdKeyReachTheServiceOnce() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      GatewayFixture g = a;
      all.add(g.http.sendAsync(HttpRequest.newBuilder(g.uri("/storage/cold?delay=500")).timeout(Duration.ofSeconds(20))
          .GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(upstream.calls("/cold")).isEqualTo(1);
  }

  @Test
  @Order(3)
  void aCallerCachedEntryIsNeverServedToAnotherCallerOnAnotherInstance() {
    HttpResponse<String> alice = get(a, "/storage/mine", "Authorization", "Bearer alice");
    await().atMost(Duration.ofSeconds(5)).until(() -> a.gateway.cache().stats().route("lake").stores() >= 1);
    HttpResponse<String> bob = get(b, "/storage/mine", "Authorization", "Bearer bob");
    assertThat(bob.body()).contains("auth=Bearer bob").doesNotContain("alice");
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> xcache(get(b, "/storage/mine", "Authorization", "Bearer alice")).equals("HIT"));
    assertThat(get(b, "/storage/mine", "Authorization", "Bearer alice").body()).isEqualTo(alice.body());
  }

  @Test
  @Order(3)
  void everyKeyTheCacheWritesHasATtl() {
    get(a, "/storage/ttl?tag=green");
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      int keys = 0;
      for (int port : cluster.masters()) {
        for (String key : cluster.cli(port, "--scan", "--pattern", "nx:c:*").split("\n")) {
          if (key.isBlank()) {
            continue;
          }
          keys++;
          long ttl = Long.parseLong(cluster.cli(port, "pttl", key).trim());
          assertThat(ttl).as("PTTL of %s", key).isPositive();
        }
      }
      // entries, path indexes, an invalidation mark and a tag set
      assertThat(keys).isGreaterThanOrEqualTo(5);
    });
  }

  @Test
  @Order(4)
  void purgesByRouteAndByTagReachEveryInstanceAndRedis() {
    get(a, "/storage/ns1");
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> l2Has(a, "/ns1"));
    assertThat(xcache(get(b, "/storage/ns1"))).isEqualTo("HIT");
    assertThat(purge(b, "{\"route\": \"lake\"}").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> a.gateway.cache().routes.get("lake").namespace >= 1);
    assertThat(xcache(get(a, "/storage/ns1"))).isEqualTo("MISS");
    assertThat(xcache(get(b, "/storage/ns1"))).isIn("MISS", "HIT"); // HIT only from A's new write

    get(a, "/storage/tagged?tag=blue");
    long ns = a.gateway.cache().routes.get("lake").namespace;
    String key = CacheKeys.resourceTag("lake", "/storage/tagged") + ":" + ns + ":GET:tag=blue";
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> l2HasKey(a, key));
    assertThat(xcache(get(b, "/storage/tagged?tag=blue"))).isEqualTo("HIT");
    assertThat(purge(a, "{\"tag\": \"blue\"}").statusCode()).isEqualTo(200);
    assertThat(l2HasKey(a, key)).isFalse();
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> b.gateway.cache().l1.get(key, System.currentTimeMillis()) == null);
    assertThat(xcache(get(b, "/storage/tagged?tag=blue"))).isEqualTo("MISS");
  }

  static HttpResponse<String> purge(GatewayFixture g, String json) {
    return g.send(HttpRequest.newBuilder(g.adminUri("/admin/cache/purge"))
        .POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }

  static boolean l2HasKey(GatewayFixture g, String key) {
    try {
      return g.gateway.cache().l2.get(key).toCompletableFuture().get(5, TimeUnit.SECONDS) != null;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Order(4)
  void anOlderVersionWrittenLateNeverOverwritesANewerOne() throws Exception {
    upstream.version = "old";
    upstream.delayNext.set(1500);
    CompletableFuture<HttpResponse<String>> slow = a.http.sendAsync(
        HttpRequest.newBuilder(a.uri("/storage/race")).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    // A's fetch started (its version is taken then); the service now has newer data.
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.calls("/race") == 1);
    upstream.version = "new";
    HttpResponse<String> fresh = get(b, "/storage/race");
    assertThat(fresh.body()).contains(":new:");
    await().atMost(Duration.ofSeconds(5)).until(() -> l2Has(b, "/race"));
    HttpResponse<String> late = slow.get(20, TimeUnit.SECONDS);
    assertThat(late.body()).contains(":old:");
    // A's late write of the older version is refused by Redis and dropped from A's L1.
    await().atMost(Duration.ofSeconds(5))
        .until(() -> a.gateway.cache().stats().route("lake").storesRefused() >= 1);
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertThat(get(a, "/storage/race").body()).isEqualTo(fresh.body()));
    assertThat(get(b, "/storage/race").body()).isEqualTo(fresh.body());
    assertThat(upstream.calls("/race")).isEqualTo(2);
    upstream.version = "v1";
  }

  @Test
  @Order(5)
  void aFrozenRedisCostsEachRequestABoundedWaitAndNoFailure() throws Exception {
    List<Integer> masters = cluster.masters();
    long worst = 0;
    for (int p : masters) {
      cluster.pause(p);
    }
    try {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1200);
      int i = 0;
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        HttpResponse<String> r = get(i % 2 == 0 ? a : b, "/storage/frozen" + i++);
        worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
        assertThat(r.statusCode()).isEqualTo(200);
      }
    } finally {
      for (int p : masters) {
        cluster.resume(p);
      }
    }
    // One Redis read (command_timeout 250 ms) at most, plus the service's answer; generous for a loaded machine.
    assertThat(worst).isLessThan(2_000);
    System.out.printf("cache: Redis masters frozen 1.2 s: slowest request %d ms, none failed%n", worst);
    await().atMost(Duration.ofSeconds(30)).until(() -> a.gateway.cache().sharedTierReady()
        && b.gateway.cache().sharedTierReady());
    get(a, "/storage/thawed");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> l2Has(b, "/thawed"));
    assertThat(xcache(get(b, "/storage/thawed"))).isEqualTo("HIT");
  }

  @Test
  @Order(6)
  void killingAMasterUnderLoadFailsNoRequestAndTheNewMasterIsUsed() throws Exception {
    List<Integer> masters = cluster.masters();
    assertThat(masters).hasSize(3);
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<String> failures = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Thread load = new Thread(() -> {
      int i = 0;
      // At least 2000 GETs, and on until the cluster is whole again (bounded in time).
      while ((i < 2000 || !healthy()) && System.nanoTime() < deadline) {
        GatewayFixture g = i % 2 == 0 ? a : b;
        try {
          HttpResponse<String> r = get(g, "/storage/load" + (i % 300) + "?cc=max-age=1");
          if (r.statusCode() != 200) {
            failed.incrementAndGet();
            synchronized (failures) {
              failures.add(i + ": " + r.statusCode() + " " + r.body());
            }
          }
        } catch (RuntimeException e) {
          failed.incrementAndGet();
          synchronized (failures) {
            failures.add(i + ": " + e);
          }
        }
        done.set(++i);
      }
    });
    load.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> done.get() >= 300);
    int victim = masters.get(0);
    cluster.kill(victim);
    cluster.awaitHealthy(Duration.ofSeconds(30));
    load.join(TimeUnit.SECONDS.toMillis(120));
    System.out.printf("cache: master killed under load: %d GETs, %d failed%n", done.get(), failed.get());
    assertThat(done.get()).isGreaterThanOrEqualTo(2000);
    assertThat(failures).isEmpty();
    assertThat(failed.get()).isZero();
    assertThat(cluster.masters()).hasSize(3).doesNotContain(victim);
    // Without restart: writes through A land in Redis (all slots, the promoted replica's included) and B reads them.
    await().atMost(Duration.ofSeconds(30)).until(() -> a.gateway.cache().sharedTierReady()
        && b.gateway.cache().sharedTierReady());
    for (int k = 0; k < 30; k++) {
      String path = "/after" + k;
      get(a, "/storage" + path);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> l2Has(b, path));
      assertThat(xcache(get(b, "/storage" + path))).isEqualTo("HIT");
    }
    // Invalidation events still reach the other instance after the failover.
    assertThat(xcache(get(a, "/storage/after0"))).isEqualTo("HIT");
    b.send(HttpRequest.newBuilder(b.uri("/storage/after0")).DELETE().build());
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> a.gateway.cache().l1.get(keyOf("/after0"), System.currentTimeMillis()) == null);
  }

  static boolean healthy() {
    return cluster.masters().size() == 3;
  }

  @Test
  @Order(7)
  void withEveryRedisNodeStoppedRequestsSucceedFromL1OrTheService() throws Exception {
    get(a, "/storage/survivor");
    assertThat(xcache(get(a, "/storage/survivor"))).isEqualTo("HIT");
    cluster.killAll();
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> cached = get(a, "/storage/survivor");
      assertThat(cached.statusCode()).isEqualTo(200);
      assertThat(xcache(cached)).isEqualTo("HIT");
      HttpResponse<String> fresh = get(i % 2 == 0 ? a : b, "/storage/down" + i);
      assertThat(fresh.statusCode()).isEqualTo(200);
    }
    // The second request for a key is answered from L1 even with Redis gone.
    get(b, "/storage/down-local");
    assertThat(xcache(get(b, "/storage/down-local"))).isEqualTo("HIT");
    assertThat(a.gateway.cache().stats().redisUp()).isFalse();
  }
}
