package io.datapunk.nexus.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigViewTest {
  record Jwt(String issuer, String secret, String hmacKey, String privateKey, List<String> apiKeys, boolean requireToken) {}

  record Section(String name, Duration timeout, Duration poll, URI url, Jwt jwt, Map<String, String> headers,
                 Object opaque) {}

  @Test
  void secretsAreRedactedAndValuesReadable() {
    Section s = new Section("lake", Duration.ofSeconds(30), Duration.ofMillis(500),
        URI.create("https://bob:hunter2@lake:8001/api"),
        new Jwt("https://issuer", "s3cret", "hm4c", "-----BEGIN", List.of("k1", "k2"), true),
        Map.of("Authorization", "Bearer abc", "X-Tag", "a"), new Object());
    JsonObject json = (JsonObject) ConfigView.of(s);
    assertThat(json.getString("timeout")).isEqualTo("30s");
    assertThat(json.getString("poll")).isEqualTo("500ms");
    assertThat(json.getString("url")).isEqualTo("https://(redacted)@lake:8001/api");
    JsonObject jwt = json.getJsonObject("jwt");
    assertThat(jwt.getString("issuer")).isEqualTo("https://issuer");
    assertThat(jwt.getString("secret")).isEqualTo("(redacted)");
    assertThat(jwt.getString("hmac_key")).isEqualTo("(redacted)");
    assertThat(jwt.getString("private_key")).isEqualTo("(redacted)");
    assertThat(jwt.getString("api_keys")).isEqualTo("(redacted)");
    assertThat(jwt.getBoolean("require_token")).isTrue();
    assertThat(json.getJsonObject("headers").getString("X-Tag")).isEqualTo("a");
    assertThat(json.getString("opaque")).isEqualTo("(Object)");
    assertThat(json.encode()).doesNotContain("hunter2").doesNotContain("s3cret").doesNotContain("hm4c")
        .doesNotContain("BEGIN").doesNotContain("k1");
  }
}
