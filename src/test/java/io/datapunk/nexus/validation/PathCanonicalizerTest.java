package io.datapunk.nexus.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathCanonicalizerTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "/|/",
      "/storage/items|/storage/items",
      "/storage/items/|/storage/items/",
      "/a/b/../c|/a/c",
      "/a/./b|/a/b",
      "/a/b/..|/a/",
      "/a/b/.|/a/b/",
      "/a//b///c|/a/b/c",
      "//a|/a",
      "/%41%62%63|/Abc",
      "/a%2db%2E%5f%7e|/a-b._~",
      "/a/%2e%2e/b|/b",
      "/a/%2E/b|/a/b",
      "/a%3bb|/a%3Bb",
      "/a%3fb%23c|/a%3Fb%23c",
      "/caf%c3%a9|/caf%C3%A9",
      "/%f0%9f%98%80|/%F0%9F%98%80",
      "/a;v=1/b|/a;v=1/b",
      "/a%25b|/a%25b",
      "/a/b@c:d!$&'()*+,=|/a/b@c:d!$&'()*+,=",
      "/storage/../ai/x|/ai/x",
      "/a/./b;v=1|/a/b;v=1",
      "/a/..x/.../.b/b|/a/..x/.../.b/b",
      "/a/%41/./b;c|/a/A/b;c",
      "/a/%41;v=1|/a/A;v=1",
  })
  void canonicalizes(String raw, String canonical) {
    assertThat(PathCanonicalizer.canonicalize(raw)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "a", "*", "/..", "/../x", "/a/../..", "/a/%2e%2e/%2e%2e", "/%2e%2e",
      "/a%2fb", "/a%2Fb", "/a%5cb", "/a\\b", "/a/..;/b", "/a/.;/b", "/..;", "/a%00b", "/a%0d%0ab", "/a%7f",
      "/a%zz", "/a%2", "/a%", "/a%g1",
      "/%c0%ae", "/%c0%af", "/%e0%80%ae", "/%f0%80%80%ae", "/%c1%bf", "/%ed%a0%80", "/%f4%90%80%80", "/%c3",
      "/%80", "/%c3%28", "/%ff",
      "/a b", "/a\tb", "/a\u0000b", "/caf\u00e9", "/a\"b", "/a<b>", "/a{b}", "/a|b", "/a^b", "/a`b", "/a#b",
  })
  void rejects(String raw) {
    assertThat(PathCanonicalizer.canonicalize(raw)).isNull();
  }

  @org.junit.jupiter.api.Test
  void longPathsWithDotSegments() {
    String segments = "/seg;v=1".repeat(500);
    assertThat(PathCanonicalizer.canonicalize("/storage" + segments + "/./x/../y")).isEqualTo("/storage" + segments + "/y");
    assertThat(PathCanonicalizer.canonicalize("/storage" + segments + "/..;/y")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/storage/items", "/a-b_c.d~e/f;g=h"})
  void returnsCanonicalPathsUnchanged(String raw) {
    assertThat(PathCanonicalizer.canonicalize(raw)).isSameAs(raw);
  }
}
