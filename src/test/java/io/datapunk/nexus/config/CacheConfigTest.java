package io.datapunk.nexus.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The proposal's cache_strategy block as written, the route cache policy, and their limits. */
class CacheConfigTest {
  private static final String PROPOSAL = """
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
            size: "2gb"
            eviction: "lru"
      service_routes:
        lake:
          prefix: /storage
          service_url: http://lake:8001
      """;

  private static NexusConfig parse(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
  }

  private static String errors(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return String.join("\n", e.errors());
    }
    throw new AssertionError("expected a ConfigException");
  }

  private static String route(String cache) {
    return "service_routes:\n  lake:\n    prefix: /storage\n    service_url: http://lake:8001\n    cache:\n"
        + cache.indent(6);
  }

  @Test
  void theProposalBlockIsValidAsWritten() {
    CacheStrategyConfig c = parse(PROPOSAL).cache();
    assertThat(c.primaryNodes()).isEqualTo(3);
    assertThat(c.replicationFactor()).isEqualTo(2);
    assertThat(c.maxMemory()).isEqualTo(4L << 30);
    assertThat(c.maxMemoryPolicy()).isEqualTo("volatile-lru");
    assertThat(c.localSize()).isEqualTo(2L << 30);
    assertThat(c.eviction()).isEqualTo("lru");
    assertThat(c.tinyLfu()).isFalse();
    assertThat(parse(PROPOSAL).routes().get(0).cache().enabled()).isFalse();
  }

  @Test
  void defaultsWithoutTheBlock() {
    CacheStrategyConfig c = parse(route("{}")).cache();
    assertThat(c).isEqualTo(CacheStrategyConfig.DEFAULTS);
    RouteCacheConfig r = parse(route("{}")).routes().get(0).cache();
    assertThat(r.enabled()).isTrue();
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(r.methods()).containsExactlyInAnyOrder("GET", "HEAD");
    assertThat(r.statuses()).contains(200, 404).doesNotContain(500);
    assertThat(r.callerHeaders()).containsExactly("authorization", "x-api-key");
    assertThat(r.shareAuthenticated()).isFalse();
    assertThat(r.staleIfError()).isEqualTo(Duration.ofSeconds(60));
    assertThat(r.tagHeader()).isEqualTo("Cache-Tag");
  }

  @Test
  void wrongValuesAreReportedWithTheirPath() {
    String e = errors("""
        cache_strategy:
          distributed_cache:
            primary:
              type: memcached
              nodes: 0
              configuration:
                maxmemory-policy: lru
                maxclients: 4
            secondary:
              eviction: fifo
              size: 1kb
        """);
    assertThat(e).contains("cache_strategy.distributed_cache.primary.type: memcached (expected: one of redis_cluster)")
        .contains("cache_strategy.distributed_cache.primary.nodes: 0")
        .contains("cache_strategy.distributed_cache.primary.configuration.maxmemory-policy: lru")
        .contains("cache_strategy.distributed_cache.primary.configuration.maxclients: unknown key")
        .contains("cache_strategy.distributed_cache.secondary.eviction: fifo")
        .contains("cache_strategy.distributed_cache.secondary.size: 1kb");
  }

  @Test
  void tinyLfuAndItsAliases() {
    for (String word : new String[] {"w-tinylfu", "tinylfu", "lfu"}) {
      assertThat(parse("cache_strategy:\n  distributed_cache:\n    secondary:\n      eviction: " + word + "\n")
          .cache().tinyLfu()).isTrue();
    }
  }

  @Test
  void maxBodySizeJustInsideAndJustOutsideItsLimit() {
    assertThat(parse("cache_strategy:\n  max_body_size: 64mb\n").cache().maxBodySize()).isEqualTo(64L << 20);
    assertThat(errors("cache_strategy:\n  max_body_size: 67108865\n"))
        .contains("cache_strategy.max_body_size: 67108865 (expected: a size from 0 to 67108864 bytes");
    assertThat(parse("cache_strategy:\n  distributed_cache:\n    secondary:\n      size: 1mb\n").cache().localSize())
        .isEqualTo(1L << 20);
    assertThat(errors("cache_strategy:\n  distributed_cache:\n    secondary:\n      size: 1048575\n"))
        .contains("secondary.size: 1048575");
  }

  @Test
  void routePolicy() {
    RouteCacheConfig r = parse(route("""
        ttl: 5m
        methods: [GET]
        statuses: [200]
        key:
          query: false
          headers: [Accept-Language]
        caller_headers: [X-User]
        share_authenticated: true
        stale_while_revalidate: 10s
        stale_if_error: 0
        invalidate_on_unsafe: false
        warm: [/storage/home]
        """)).routes().get(0).cache();
    assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(r.methods()).containsExactly("GET");
    assertThat(r.statuses()).containsExactly(200);
    assertThat(r.keyQuery()).isFalse();
    assertThat(r.keyHeaders()).containsExactly("accept-language");
    assertThat(r.callerHeaders()).containsExactly("x-user");
    assertThat(r.shareAuthenticated()).isTrue();
    assertThat(r.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(10));
    assertThat(r.staleIfError()).isZero();
    assertThat(r.invalidateOnUnsafe()).isFalse();
    assertThat(r.warm()).containsExactly("/storage/home");
    assertThat(parse(route("enabled: false")).routes().get(0).cache().enabled()).isFalse();
  }

  @Test
  void routePolicyErrors() {
    String e = errors(route("""
        methods: [POST]
        statuses: [304, 206, 600, abc]
        ttl: 0
        warm: [nope]
        key:
          headers: ["bad header"]
        colour: red
        """));
    assertThat(e).contains("service_routes.lake.cache.methods: POST (expected: GET or HEAD")
        .contains("service_routes.lake.cache.statuses: 304").contains("statuses: 206").contains("statuses: 600")
        .contains("statuses: abc").contains("service_routes.lake.cache.ttl: 0")
        .contains("service_routes.lake.cache.warm: nope").contains("service_routes.lake.cache.key.headers: bad header")
        .contains("service_routes.lake.cache.colour: unknown key");
  }
}
