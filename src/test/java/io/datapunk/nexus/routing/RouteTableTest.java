package io.datapunk.nexus.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  private static RouteTable table(String yaml) {
    NexusConfig c = new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
    List<Route> routes = new ArrayList<>();
    for (RouteConfig rc : c.routes()) {
      routes.add(new Route(rc, new Filter[0], e -> {}));
    }
    return new RouteTable(routes);
  }

  private final RouteTable table = table("""
      service_routes:
        lake: {prefix: /storage, service_url: "http://h:1"}
        lake_v2: {prefix: /storage/v2, service_url: "http://h:2"}
        root: {prefix: /, service_url: "http://h:3", strip_prefix: false}
        kept: {prefix: /keep, service_url: "http://h:4", strip_prefix: false}
        swapped: {prefix: /old, service_url: "http://h:5", rewrite: {prefix: /api/v1}}
        regex: {prefix: /rx, service_url: "http://h:6", rewrite: {regex: "^/items/([0-9]+)$", replacement: "/item?id=$1"}}
      """);

  @Test
  void longestPrefixWinsOnSegmentBoundaries() {
    assertThat(table.match("/storage/items").name()).isEqualTo("lake");
    assertThat(table.match("/storage").name()).isEqualTo("lake");
    assertThat(table.match("/storage/v2/items").name()).isEqualTo("lake_v2");
    assertThat(table.match("/storage/v22").name()).isEqualTo("lake");
    assertThat(table.match("/storagex").name()).isEqualTo("root");
    assertThat(table.match("/anything").name()).isEqualTo("root");
  }

  @Test
  void noMatchWithoutACatchAll() {
    RouteTable t = table("service_routes:\n  a: {prefix: /a, service_url: \"http://h:1\"}\n");
    assertThat(t.match("/b")).isNull();
    assertThat(t.match("/ab")).isNull();
    assertThat(t.match("/a/b")).isNotNull();
  }

  @Test
  void stripsReplacesOrKeepsThePrefix() {
    assertThat(table.match("/storage/items").upstreamPath("/storage/items")).isEqualTo("/items");
    assertThat(table.match("/storage").upstreamPath("/storage")).isEqualTo("/");
    assertThat(table.match("/storage/").upstreamPath("/storage/")).isEqualTo("/");
    assertThat(table.match("/keep/x").upstreamPath("/keep/x")).isEqualTo("/keep/x");
    assertThat(table.match("/old/x").upstreamPath("/old/x")).isEqualTo("/api/v1/x");
    assertThat(table.match("/old").upstreamPath("/old")).isEqualTo("/api/v1");
    assertThat(table.match("/x").upstreamPath("/x")).isEqualTo("/x");
  }

  @Test
  void groupsByFirstSegmentAgreeWithCheckingEveryRoute() {
    String[] prefixes = {"/", "/a", "/a/b", "/a/b/c", "/ab", "/abc/d", "/b", "/b/c/d", "/storage", "/storage/v2",
        "/storage/v22", "/stor", "/s", "/x/y", "/ai", "/a.b", "/%41"};
    StringBuilder yaml = new StringBuilder("service_routes:\n");
    for (int i = 0; i < prefixes.length; i++) {
      yaml.append("  r").append(i).append(": {prefix: \"").append(prefixes[i]).append("\", service_url: \"http://h:1\"}\n");
    }
    RouteTable withRoot = table(yaml.toString());
    RouteTable withoutRoot = table(yaml.toString().replace("  r0: {prefix: \"/\", service_url: \"http://h:1\"}\n", ""));
    String[] segments = {"a", "ab", "abc", "b", "", "storage", "stor", "s", "x", "y", "ai", "a.b", "%41", "v2", "v22", "c", "d"};
    java.util.Random random = new java.util.Random(11);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder path = new StringBuilder();
      int depth = random.nextInt(4);
      for (int d = 0; d <= depth; d++) {
        path.append('/').append(segments[random.nextInt(segments.length)]);
      }
      String p = path.toString();
      for (RouteTable t : List.of(withRoot, withoutRoot)) {
        Route expected = null;
        for (Route r : t.routes()) {
          if (r.matches(p) && (expected == null || r.prefix().length() > expected.prefix().length())) {
            expected = r;
          }
        }
        assertThat(t.match(p)).as(p).isSameAs(expected);
      }
    }
    assertThat(withoutRoot.match("/storage/v2/x").prefix()).isEqualTo("/storage/v2");
    assertThat(withoutRoot.match("/storagex")).isNull();
    assertThat(withRoot.match("/storagex").prefix()).isEqualTo("/");
  }

  @Test
  void regexRewriteAppliesAfterThePrefix() {
    assertThat(table.match("/rx/items/42").upstreamPath("/rx/items/42")).isEqualTo("/item?id=42");
    assertThat(table.match("/rx/other").upstreamPath("/rx/other")).isEqualTo("/other");
  }
}
