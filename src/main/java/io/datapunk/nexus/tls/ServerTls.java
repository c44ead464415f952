package io.datapunk.nexus.tls;

import io.datapunk.nexus.config.TlsConfig;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.List;
import java.util.Set;

/**
 * The data port's TLS: the PEM certificate and key of {@code server.tls}, TLS 1.2 and 1.3 only, and
 * for TLS 1.2 only forward-secret AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305); TLS 1.3
 * suites are all modern. ALPN is on.
 */
public final class ServerTls {
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
  public static final List<String> CIPHERS = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private ServerTls() {}

  /** Turns TLS on in {@code options} when {@code tls} is enabled. */
  public static HttpServerOptions apply(HttpServerOptions options, TlsConfig tls) {
    if (tls == null || !tls.enabled()) {
      return options;
    }
    options.setSsl(true).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_1_1))
        .setKeyCertOptions(keyCert(tls))
        .setEnabledSecureTransportProtocols(PROTOCOLS);
    CIPHERS.forEach(options::addEnabledCipherSuite);
    return options;
  }

  /** The SSL options to swap in when the certificate files changed. */
  public static ServerSSLOptions reloaded(HttpServerOptions current, TlsConfig tls) {
    ServerSSLOptions ssl = current.getSslOptions().copy();
    ssl.setKeyCertOptions(keyCert(tls));
    return ssl;
  }

  static PemKeyCertOptions keyCert(TlsConfig tls) {
    return new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString());
  }
}
