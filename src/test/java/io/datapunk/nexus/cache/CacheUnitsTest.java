package io.datapunk.nexus.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cache's pieces that need no server: directives, keys, the Redis value format and the local tier. */
class CacheUnitsTest {
  static CachedResponse entry(String key, String path, long version, int bodySize, long removeAt) {
    return new CachedResponse(key, "lake", path, version, 200, new String[] {"Content-Type", "ETag"},
        new String[] {"text/plain", "\"a\""}, Buffer.buffer("x".repeat(bodySize)), 0, removeAt, removeAt, removeAt,
        null, null, new String[] {"t1"}, true);
  }

  @Test
  void cacheControlDirectives() {
    CacheControl cc = CacheControl.parse(List.of("public, max-age=60", "s-maxage=\"30\", stale-while-revalidate=5",
        "stale-if-error=100, must-revalidate"));
    assertThat(cc.isPublic).isTrue();
    assertThat(cc.maxAge).isEqualTo(60);
    assertThat(cc.sMaxAge).isEqualTo(30);
    assertThat(cc.staleWhileRevalidate).isEqualTo(5);
    assertThat(cc.staleIfError).isEqualTo(100);
    assertThat(cc.mustRevalidate).isTrue();
    CacheControl p = CacheControl.parse("Private, No-Cache=\"Set-Cookie, X-A\", NO-STORE, max-age=abc");
    assertThat(p.isPrivate).isTrue();
    assertThat(p.noCache).isTrue();
    assertThat(p.noStore).isTrue();
    assertThat(p.maxAge).isZero();
    assertThat(CacheControl.parse((String) null)).isSameAs(CacheControl.NONE);
  }

  @Test
  void sortedQueryAndKeyLayout() {
    StringBuilder b = new StringBuilder();
    CacheKeys.appendSortedQuery(b, "b=2&a=1&&c=3");
    assertThat(b).hasToString("a=1&b=2&c=3");
    assertThat(sortedQuery("a=1&b=2&c=3")).isEqualTo("a=1&b=2&c=3");
    assertThat(sortedQuery("&&b&a&")).isEqualTo("a&b");
    assertThat(sortedQuery("a=1&a&a=0&ab=1&A=2&a=1")).isEqualTo("A=2&a&a=0&a=1&a=1&ab=1");
    // beyond the in-place limit (32 parameters) the query is split and sorted as strings: same order
    StringBuilder many = new StringBuilder();
    for (int i = 40; i > 0; i--) {
      many.append("p").append(i).append("=").append(i % 3).append(i % 7 == 0 ? "&&" : "&");
    }
    String[] expected = many.toString().split("&+");
    java.util.Arrays.sort(expected);
    assertThat(sortedQuery(many.toString())).isEqualTo(String.join("&", expected));
    assertThat(CacheKeys.index("lake", "/storage/x")).isEqualTo("nx:c:{lake:/storage/x}:idx");
    assertThat(CacheKeys.invalidated("lake", "/storage/x")).isEqualTo("nx:c:{lake:/storage/x}:inv");
    assertThat(CacheKeys.globEscape("/a*b?[c]")).isEqualTo("/a\\*b\\?\\[c\\]");
  }

  private static String sortedQuery(String query) {
    StringBuilder b = new StringBuilder();
    CacheKeys.appendSortedQuery(b, query);
    return b.toString();
  }

  @Test
  void keyPurgeMatchesOnlyThatQuery() {
    String p = "nx:c:{lake:/x}:0:GET:q=1";
    assertThat(ResponseCache.keyMatches(p, p)).isTrue();
    assertThat(ResponseCache.keyMatches(p + "|u=abc", p)).isTrue();
    assertThat(ResponseCache.keyMatches(p + "#v:en", p)).isTrue();
    assertThat(ResponseCache.keyMatches(p + "0", p)).isFalse();
    assertThat(ResponseCache.keyMatches("anything", "")).isTrue();
  }

  @Test
  void redisValueRoundTripsPlainAndCompressed() {
    CachedResponse small = entry("k", "/p", 1_700_000_000_000_123L, 100, 99_000);
    byte[] plain = EntryCodec.encode(small, 4096);
    assertThat(new String(plain, 0, 16)).isEqualTo("1700000000000123");
    CachedResponse back = EntryCodec.decode("k", plain);
    assertThat(back.version).isEqualTo(small.version);
    assertThat(back.body.toString()).isEqualTo(small.body.toString());
    assertThat(back.headerValues).containsExactly("text/plain", "\"a\"");
    assertThat(back.tags).containsExactly("t1");
    assertThat(back.freshUntil).isEqualTo(99_000);

    CachedResponse large = entry("k", "/p", 7, 100_000, 99_000);
    byte[] compressed = EntryCodec.encode(large, 4096);
    assertThat(compressed.length).isLessThan(10_000);
    assertThat(EntryCodec.decode("k", compressed).body.toString()).isEqualTo(large.body.toString());
    assertThat(EntryCodec.decode("k", new byte[] {1, 2, 3})).isNull();

    CachedResponse marker = CachedResponse.marker("k", "lake", "/p", 9, new String[] {"accept-language"}, 5, 10);
    CachedResponse m = EntryCodec.decode("k", EntryCodec.encode(marker, 0));
    assertThat(m.marker()).isTrue();
    assertThat(m.varyNames).containsExactly("accept-language");
  }

  @Test
  void compressMinSizeJustInsideAndJustOutside() {
    int min = 4096;
    byte[] at = EntryCodec.encode(entry("k", "/p", 1, min, 10), min);
    byte[] below = EntryCodec.encode(entry("k", "/p", 1, min - 1, 10), min);
    assertThat(at.length).isLessThan(min / 2);
    assertThat(below.length).isGreaterThan(min - 1);
    assertThat(EntryCodec.decode("k", at).body.length()).isEqualTo(min);
    assertThat(EntryCodec.decode("k", below).body.length()).isEqualTo(min - 1);
  }

  @Test
  void lruEvictsTheLeastRecentlyUsedByBytes() {
    LocalCache l1 = new LocalCache(3 * 1400, false, () -> 0);
    l1.put(entry("a", "/a", 1, 1000, 1000));
    l1.put(entry("b", "/b", 1, 1000, 1000));
    l1.put(entry("c", "/c", 1, 1000, 1000));
    assertThat(l1.get("a", 0)).isNotNull(); // a is now the most recent
    l1.put(entry("d", "/d", 1, 1000, 1000));
    assertThat(l1.get("b", 0)).isNull();
    assertThat(l1.get("a", 0)).isNotNull();
    assertThat(l1.bytes()).isLessThanOrEqualTo(3 * 1400);
    assertThat(l1.entries()).isEqualTo(3);
  }

  @Test
  void bothPoliciesKeepTheNewerVersionAndDropExpiredEntries() {
    AtomicLong now = new AtomicLong();
    for (boolean tinyLfu : new boolean[] {false, true}) {
      LocalCache l1 = new LocalCache(1 << 20, tinyLfu, now::get);
      assertThat(l1.put(entry("k", "/p", 5, 10, 1000))).isTrue();
      assertThat(l1.put(entry("k", "/p", 4, 10, 1000))).isFalse();
      assertThat(l1.get("k", 0).version).isEqualTo(5);
      assertThat(l1.put(entry("k", "/p", 6, 10, 1000))).isTrue();
      assertThat(l1.get("k", 1000)).isNull();
      l1.put(entry("k1", "/p", 1, 10, 1000));
      l1.put(entry("k2", "/p", 1, 10, 1000));
      l1.put(entry("k3", "/q", 1, 10, 1000));
      assertThat(l1.removeResource("lake", "/p", e -> true)).isEqualTo(2);
      assertThat(l1.get("k3", 0)).isNotNull();
      assertThat(l1.put(entry("huge", "/h", 1, 2 << 20, 1000))).isFalse();
    }
  }

  @Test
  void tinyLfuStaysWithinItsByteBound() {
    LocalCache l1 = new LocalCache(100_000, true, () -> 0);
    for (int i = 0; i < 1000; i++) {
      l1.put(entry("k" + i, "/p" + i, 1, 1000, Long.MAX_VALUE / 2));
    }
    assertThat(l1.bytes()).isLessThanOrEqualTo(100_000);
    assertThat(l1.entries()).isLessThan(100);
  }
}
