package io.datapunk.nexus.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS on the data port ({@code server.tls:}); with it on, HTTP/2 is offered by ALPN.
 *
 * @param enabled serve HTTPS on {@code server.port} (default false)
 * @param cert PEM file with the certificate chain (required when enabled)
 * @param key PEM file with the private key, PKCS#8 or PKCS#1 (required when enabled)
 */
public record TlsConfig(boolean enabled, Path cert, Path key) {
  public static TlsConfig disabled() {
    return new TlsConfig(false, null, null);
  }

  static TlsConfig read(ConfigSection s) {
    boolean enabled = s.bool("enabled", false);
    Path cert = file(s, "cert", enabled);
    Path key = file(s, "key", enabled);
    s.finish();
    return new TlsConfig(enabled, cert, key);
  }

  private static Path file(ConfigSection s, String key, boolean required) {
    String value = required ? s.requiredString(key) : s.string(key, null);
    if (value == null) {
      return null;
    }
    Path p = Path.of(value);
    if (required && !Files.isReadable(p)) {
      s.error(key, value, "a readable PEM file");
    }
    return p;
  }
}
