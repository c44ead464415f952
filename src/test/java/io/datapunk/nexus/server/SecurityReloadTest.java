package io.datapunk.nexus.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import org.junit.jupiter.api.Test;

/** A reload reports changed {@code security} settings as needing a restart, and only changed ones. */
class SecurityReloadTest {
  private static final String BASE = """
      service_routes:
        lake:
          prefix: /storage
          service_url: http://lake:8001
          auth: {policy: jwt}
      security:
        jwt:
          issuer: %s
          audience: nexus
          keys:
            - id: k
              algorithms: [HS256]
              secret: 0123456789abcdef0123456789abcdef-reload
      """;

  private static NexusConfig parse(String issuer) {
    return new ConfigLoader(n -> null).parse(BASE.formatted(issuer));
  }

  @Test
  void anUnchangedSecuritySectionNeedsNoRestart() {
    assertThat(ConfigReloader.restartRequired(parse("https://a"), parse("https://a"))).isEmpty();
  }

  @Test
  void aChangedIssuerIsReportedWithoutShowingTheSecret() {
    assertThat(ConfigReloader.restartRequired(parse("https://a"), parse("https://b")))
        .containsExactly("security.jwt.issuer: https://a -> https://b");
    assertThat(parse("https://a").security().jwt().keys().toString()).doesNotContain("0123456789abcdef");
  }
}
