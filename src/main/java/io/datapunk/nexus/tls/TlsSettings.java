package io.datapunk.nexus.tls;

import io.datapunk.nexus.config.ConfigSection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * TLS policy beyond the listener's certificate ({@code security.tls:}).
 *
 * @param reloadInterval how often {@code server.tls.cert} and {@code key} are checked for a change; a
 *     changed pair is served to new connections without restart (default 10s)
 * @param upstreamCa PEM bundle of the CAs trusted for {@code https://} services, or null for the JVM's
 *     default trust store
 */
public record TlsSettings(Duration reloadInterval, Path upstreamCa) {
  public static final TlsSettings DEFAULTS = new TlsSettings(Duration.ofSeconds(10), null);

  public static TlsSettings read(ConfigSection s) {
    Duration reload = s.duration("reload_interval", DEFAULTS.reloadInterval(), false);
    String ca = s.string("upstream_ca", null);
    if (ca != null && !Files.isReadable(Path.of(ca))) {
      s.error("upstream_ca", ca, "a readable PEM file of CA certificates");
    }
    s.finish();
    return new TlsSettings(reload, ca == null ? null : Path.of(ca));
  }
}
