package io.datapunk.nexus.auth;

import io.datapunk.nexus.config.ConfigSection;
import io.datapunk.nexus.config.HeaderNames;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Service API keys ({@code security.api_keys:}).
 *
 * @param header the request header carrying the key (default {@code X-Api-Key}); keys are read from
 *     this header only, never from the URL
 * @param file the key store (JSON, hashes only), or null to keep keys in memory (lost on restart)
 * @param defaultOverlap how long the old key keeps working after a rotation that names no overlap
 *     (default 24h)
 * @param reloadInterval how often the store file is checked for changes made by another instance
 *     (default 5s)
 */
public record ApiKeysConfig(String header, Path file, Duration defaultOverlap, Duration reloadInterval) {
  public static final ApiKeysConfig DEFAULTS = new ApiKeysConfig("X-Api-Key", null, Duration.ofHours(24),
      Duration.ofSeconds(5));

  public static ApiKeysConfig read(ConfigSection s) {
    String header = s.string("header", DEFAULTS.header());
    if (!HeaderNames.isToken(header)) {
      s.error("header", header, "a header name");
    }
    String file = s.string("file", null);
    ApiKeysConfig c = new ApiKeysConfig(header, file == null || file.isBlank() ? null : Path.of(file),
        s.duration("default_overlap", DEFAULTS.defaultOverlap(), true),
        s.duration("reload_interval", DEFAULTS.reloadInterval(), false));
    s.finish();
    return c;
  }
}
