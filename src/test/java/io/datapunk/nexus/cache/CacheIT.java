package io.datapunk.nexus.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The response cache on one gateway without Redis (L1 only), against a real service: HTTP semantics. */
class CacheIT {
  static CacheUpstream upstream;
  static GatewayFixture gw;

  @BeforeAll
  static void start() {
    upstream = new CacheUpstream();
    gw = GatewayFixture.start("""
        cache_strategy:
          max_body_size: 1kb
          warming:
            hot_keys:
              min_hits: 0
        service_routes:
          lake:
            prefix: /storage
            service_url: ${UP}
            timeout: 3
            # These tests make the service fail on purpose; the breaker and ejection would then answer
            # for it in the next tests.
            circuit_breaker: {enabled: false}
            outlier_detection: {enabled: false}
            cache:
              ttl: 60s
              stale_if_error: 60s
              warm: [/storage/warm]
          nocache:
            prefix: /plain
            service_url: ${UP}
        """, Map.of("UP", upstream.url()));
  }

  @AfterAll
  static void stop() {
    gw.close();
    upstream.close();
  }

  static HttpResponse<String> get(String uri, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri(uri)).timeout(Duration.ofSeconds(10)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return gw.send(b.build());
  }

  static String xcache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("");
  }

  @Test
  void missThenHitWithAgeAndNoSecondUpstreamCall() {
    HttpResponse<String> first = get("/storage/a?y=2&x=1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(xcache(first)).isEqualTo("MISS");
    // The sorted query is the key: the same parameters in another order hit.
    HttpResponse<String> second = get("/storage/a?x=1&y=2");
    assertThat(xcache(second)).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.headers().firstValue("Age")).isPresent();
    assertThat(second.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
    assertThat(second.headers().firstValue("X-Request-Id")).isPresent()
        .isNotEqualTo(first.headers().firstValue("X-Request-Id"));
    assertThat(upstream.calls("/a")).isEqualTo(1);
    HttpResponse<String> head = gw.send(HttpRequest.newBuilder(gw.uri("/storage/a?x=1&y=2"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    assertThat(xcache(head)).isEqualTo("HIT");
    assertThat(head.body()).isEmpty();
    assertThat(upstream.calls("/a")).isEqualTo(1);
  }

  @Test
  void ifNoneMatchGets304FromTheCache() {
    HttpResponse<String> first = get("/storage/etag");
    String etag = first.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> revalidated = get("/storage/etag", "If-None-Match", etag);
    assertThat(revalidated.statusCode()).isEqualTo(304);
    assertThat(revalidated.body()).isEmpty();
    assertThat(revalidated.headers().firstValue("ETag")).contains(etag);
    assertThat(xcache(revalidated)).isEqualTo("HIT");
    assertThat(get("/storage/etag", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
    assertThat(upstream.calls("/etag")).isEqualTo(1);
  }

  @Test
  void anExpiredEntryIsRevalidatedWithTheServiceAndServedWhole() {
    String uri = "/storage/reval?cc=max-age=1&etag=fixed";
    HttpResponse<String> first = get(uri);
    assertThat(xcache(first)).isEqualTo("MISS");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      HttpResponse<String> r = get(uri);
      assertThat(xcache(r)).isEqualTo("REVALIDATED");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(first.body());
      assertThat(r.headers().firstValue("ETag")).contains("\"fixed\"");
    });
    assertThat(upstream.notModified.get()).isGreaterThanOrEqualTo(1);
    // Fresh again after the 304: the next request is a hit.
    assertThat(xcache(get(uri))).isIn("HIT", "REVALIDATED");
    // A client's own conditional request is passed through: its 304 comes from the service.
    HttpResponse<String> own = get("/storage/reval2?cc=max-age=60&etag=e2", "If-None-Match", "\"e2\"");
    assertThat(own.statusCode()).isEqualTo(304);
  }

  @Test
  void noStoreAndNoCacheResponsesAreNotStored() {
    get("/storage/nostore?cc=no-store");
    assertThat(xcache(get("/storage/nostore?cc=no-store"))).isEqualTo("MISS");
    get("/storage/nocache?cc=no-cache");
    assertThat(xcache(get("/storage/nocache?cc=no-cache"))).isEqualTo("MISS");
    assertThat(upstream.calls("/nostore")).isEqualTo(2);
    assertThat(upstream.calls("/nocache")).isEqualTo(2);
  }

  @Test
  void privateResponsesAreCachedPerCallerOnlyAndNeverShared() {
    // Without credentials a private response cannot be stored for anyone.
    get("/storage/private?cc=private,max-age=60");
    assertThat(xcache(get("/storage/private?cc=private,max-age=60"))).isEqualTo("MISS");
    HttpResponse<String> a1 = get("/storage/private?cc=private,max-age=60", "Authorization", "Bearer alice");
    HttpResponse<String> a2 = get("/storage/private?cc=private,max-age=60", "Authorization", "Bearer alice");
    assertThat(xcache(a2)).isEqualTo("HIT");
    assertThat(a2.body()).isEqualTo(a1.body()).contains("auth=Bearer alice");
    HttpResponse<String> b = get("/storage/private?cc=private,max-age=60", "Authorization", "Bearer bob");
    assertThat(xcache(b)).isEqualTo("MISS");
    assertThat(b.body()).contains("auth=Bearer bob");
  }

  @Test
  void authenticatedResponsesAreKeyedPerCaller() {
    HttpResponse<String> alice = get("/storage/me", "Authorization", "Bearer alice");
    HttpResponse<String> bob = get("/storage/me", "Authorization", "Bearer bob");
    assertThat(xcache(bob)).isEqualTo("MISS");
    assertThat(bob.body()).contains("auth=Bearer bob").doesNotContain("alice");
    HttpResponse<String> anonymous = get("/storage/me");
    assertThat(anonymous.body()).contains("auth=null");
    assertThat(get("/storage/me", "Authorization", "Bearer alice").body()).isEqualTo(alice.body());
    assertThat(get("/storage/me", "Authorization", "Bearer bob").body()).isEqualTo(bob.body());
    assertThat(upstream.calls("/me")).isEqualTo(3);
  }

  @Test
  void varyKeepsOneVariantPerHeaderValue() {
    String uri = "/storage/vary?vary=Accept-Language";
    HttpResponse<String> en = get(uri, "Accept-Language", "en");
    HttpResponse<String> fr = get(uri, "Accept-Language", "fr");
    assertThat(xcache(fr)).isEqualTo("MISS");
    assertThat(fr.body()).contains("lang=fr");
    HttpResponse<String> en2 = get(uri, "Accept-Language", "en");
    HttpResponse<String> fr2 = get(uri, "Accept-Language", "fr");
    assertThat(xcache(en2)).isEqualTo("HIT");
    assertThat(en2.body()).isEqualTo(en.body()).contains("lang=en");
    assertThat(fr2.body()).isEqualTo(fr.body());
    assertThat(upstream.calls("/vary")).isEqualTo(2);
    get("/storage/varystar?vary=*");
    assertThat(xcache(get("/storage/varystar?vary=*"))).isEqualTo("MISS");
  }

  @Test
  void hundredConcurrentMissesMakeOneUpstreamCall() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(gw.http.sendAsync(HttpRequest.newBuilder(gw.uri("/storage/cold?delay=500")).timeout(Duration.ofSeconds(20))
          .GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
    String body = null;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      body = body == null ? r.body() : body;
      assertThat(r.body()).isEqualTo(body);
    }
    assertThat(upstream.calls("/cold")).isEqualTo(1);
    assertThat(gw.gateway.cache().stats().route("lake").coalesced()).isGreaterThan(0);
  }

  @Test
  void coalescedRequestsAreFreedAtOnceWhenTheServiceFails() throws Exception {
    upstream.failing = true;
    try {
      long t0 = System.nanoTime();
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(gw.http.sendAsync(HttpRequest.newBuilder(gw.uri("/storage/down")).timeout(Duration.ofSeconds(20))
            .GET().build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : all) {
        assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(502);
      }
      // Not held until the leader's safety timer (route timeout 3 s + 1 s).
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3_500);
    } finally {
      upstream.failing = false;
    }
  }

  @Test
  void successfulUnsafeRequestInvalidatesThePath() {
    get("/storage/doc?x=1");
    get("/storage/doc?x=2");
    assertThat(xcache(get("/storage/doc?x=1"))).isEqualTo("HIT");
    HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.uri("/storage/doc"))
        .PUT(HttpRequest.BodyPublishers.ofString("new")).build());
    assertThat(put.statusCode()).isEqualTo(204);
    assertThat(xcache(get("/storage/doc?x=1"))).isEqualTo("MISS");
    assertThat(xcache(get("/storage/doc?x=2"))).isEqualTo("MISS");
  }

  @Test
  void bodiesUpToMaxBodySizeAreStoredAndLargerOnesStreamUncached() {
    get("/storage/inside?size=1024");
    assertThat(xcache(get("/storage/inside?size=1024"))).isEqualTo("HIT");
    HttpResponse<String> big = get("/storage/outside?size=1025");
    assertThat(big.body()).hasSize(1025);
    assertThat(xcache(get("/storage/outside?size=1025"))).isEqualTo("MISS");
    // Without Content-Length the copy stops at the limit while the client still gets everything.
    HttpResponse<String> chunked = get("/storage/chunked?size=1025&chunked=1");
    assertThat(chunked.body()).hasSize(1025);
    assertThat(xcache(get("/storage/chunked?size=1025&chunked=1"))).isEqualTo("MISS");
    get("/storage/chunkedin?size=1024&chunked=1");
    assertThat(xcache(get("/storage/chunkedin?size=1024&chunked=1"))).isEqualTo("HIT");
  }

  @Test
  void staleIfErrorServesTheOldEntryWhenTheServiceFails() {
    HttpResponse<String> first = get("/storage/sie?cc=max-age=1");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      upstream.failStatus = 503;
      try {
        HttpResponse<String> r = get("/storage/sie?cc=max-age=1");
        assertThat(xcache(r)).isEqualTo("STALE");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(first.body());
      } finally {
        upstream.failStatus = 0;
      }
    });
    upstream.failing = true;
    try {
      HttpResponse<String> down = get("/storage/sie?cc=max-age=1");
      assertThat(down.statusCode()).isEqualTo(200);
      assertThat(xcache(down)).isEqualTo("STALE");
      assertThat(down.body()).isEqualTo(first.body());
    } finally {
      upstream.failing = false;
    }
  }

  @Test
  void staleWhileRevalidateAnswersAtOnceAndRefreshesInTheBackground() {
    String uri = "/storage/swr?cc=max-age=1,stale-while-revalidate=60";
    HttpResponse<String> first = get(uri);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> xcache(get(uri)).equals("STALE"));
    await().atMost(Duration.ofSeconds(10)).until(() -> upstream.calls("/swr") >= 2);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      HttpResponse<String> r = get(uri);
      assertThat(r.body()).isNotEqualTo(first.body());
    });
  }

  @Test
  void requestNoCacheGoesToTheServiceAndRefreshesTheEntry() {
    HttpResponse<String> first = get("/storage/reload");
    HttpResponse<String> reloaded = get("/storage/reload", "Cache-Control", "no-cache");
    assertThat(xcache(reloaded)).isEqualTo("MISS");
    assertThat(reloaded.body()).isNotEqualTo(first.body());
    assertThat(get("/storage/reload").body()).isEqualTo(reloaded.body());
    get("/storage/bypass", "Cache-Control", "no-store");
    assertThat(xcache(get("/storage/bypass"))).isEqualTo("MISS");
  }

  @Test
  void hitsAreCompressedForClientsThatAskAndTheStoredBodyStaysIdentity() throws Exception {
    HttpResponse<String> plain = get("/storage/gz?size=1024");
    assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
    HttpResponse<byte[]> gz = gw.http.send(HttpRequest.newBuilder(gw.uri("/storage/gz?size=1024"))
        .header("Accept-Encoding", "gzip").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(xcache(gz)).isEqualTo("HIT");
    assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
    byte[] body = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz.body())).readAllBytes();
    assertThat(new String(body)).isEqualTo("x".repeat(1024));
    HttpResponse<String> again = get("/storage/gz?size=1024");
    assertThat(xcache(again)).isEqualTo("HIT");
    assertThat(again.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(again.body()).hasSize(1024);
    assertThat(upstream.calls("/gz")).isEqualTo(1);
  }

  @Test
  void statusesOutsideThePolicyAreNotStored() {
    get("/storage/err?status=500");
    assertThat(xcache(get("/storage/err?status=500"))).isEqualTo("MISS");
    get("/storage/gone?status=404");
    assertThat(xcache(get("/storage/gone?status=404"))).isEqualTo("HIT");
  }

  @Test
  void warmPathsAreFetchedAtStart() {
    await().atMost(Duration.ofSeconds(10)).until(() -> upstream.calls("/warm") >= 1);
    assertThat(xcache(get("/storage/warm"))).isEqualTo("HIT");
  }

  @Test
  void routesWithoutCacheAreUntouched() {
    HttpResponse<String> r = get("/plain/x");
    assertThat(r.headers().firstValue("X-Cache")).isEmpty();
    get("/plain/x");
    assertThat(upstream.calls("/x")).isEqualTo(2);
  }

  @Test
  void adminPurgeNeedsTheTokenAndDropsByKeyTagAndRoute() {
    HttpResponse<String> denied = admin("{\"route\": \"lake\"}", "wrong");
    assertThat(denied.statusCode()).isEqualTo(401);
    get("/storage/p1?q=1");
    get("/storage/p1?q=2");
    assertThat(admin("{\"key\": \"/storage/p1?q=1\"}", TOKEN).statusCode()).isEqualTo(200);
    assertThat(xcache(get("/storage/p1?q=1"))).isEqualTo("MISS");
    assertThat(xcache(get("/storage/p1?q=2"))).isEqualTo("HIT");
    get("/storage/t1?tag=red,blue");
    assertThat(admin("{\"tag\": \"blue\"}", TOKEN).body()).contains("\"purged\":1");
    assertThat(xcache(get("/storage/t1?tag=red,blue"))).isEqualTo("MISS");
    get("/storage/pre/a");
    assertThat(admin("{\"prefix\": \"/storage/pre\"}", TOKEN).statusCode()).isEqualTo(200);
    assertThat(xcache(get("/storage/pre/a"))).isEqualTo("MISS");
    assertThat(admin("{\"route\": \"lake\"}", TOKEN).statusCode()).isEqualTo(200);
    assertThat(xcache(get("/storage/p1?q=2"))).isEqualTo("MISS");
    assertThat(admin("{\"nope\": \"x\"}", TOKEN).statusCode()).isEqualTo(400);
    HttpResponse<String> metrics = gw.send(HttpRequest.newBuilder(gw.adminUri("/metrics")).GET().build());
    assertThat(metrics.body()).contains("nexus_cache_requests_total{").contains("tier=\"l1\"")
        .contains("nexus_cache_stores_total{").contains("nexus_cache_invalidations_total{")
        .contains("nexus_cache_entries{tier=\"l1\"");
  }

  @Test
  void cliPurgeGoesThroughTheAdminApi() {
    get("/storage/cli?a=1");
    assertThat(xcache(get("/storage/cli?a=1"))).isEqualTo("HIT");
    String admin = "http://127.0.0.1:" + gw.gateway.adminPort();
    int code = io.datapunk.nexus.cli.Main.commandLine()
        .execute("cache", "purge", "--key", "/storage/cli?a=1", "--admin", admin, "--token", TOKEN);
    assertThat(code).isZero();
    assertThat(xcache(get("/storage/cli?a=1"))).isEqualTo("MISS");
    int denied = io.datapunk.nexus.cli.Main.commandLine()
        .execute("cache", "purge", "--tag", "x", "--admin", admin, "--token", "nope");
    assertThat(denied).isEqualTo(1);
    assertThat(io.datapunk.nexus.cli.Main.commandLine()
        .execute("cache", "stats", "--admin", admin, "--token", TOKEN)).isZero();
  }

  static final String TOKEN = GatewayFixture.ADMIN_TOKEN;

  static HttpResponse<String> admin(String json, String token) {
    return gw.send(HttpRequest.newBuilder(gw.adminUri("/admin/cache/purge"))
        .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(json)).build());
  }
}
