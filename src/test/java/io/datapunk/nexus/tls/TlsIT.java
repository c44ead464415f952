package io.datapunk.nexus.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestCertificates;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * TLS termination with certificates made at test time by openssl: HTTPS with HSTS, TLS 1.2+ and
 * modern suites only, a replaced certificate served without restart, and https services checked
 * against a configured CA bundle.
 */
class TlsIT {
  @Test
  void servesHttpsAndPicksUpAReplacedCertificateWithoutRestart() throws Exception {
    TestCertificates first = TestCertificates.create();
    try (TestUpstream upstream = TestUpstream.start();
         GatewayFixture gateway = GatewayFixture.start("""
             server:
               port: 0
               event_loops: 2
               tls:
                 enabled: true
                 cert: ${CERT}
                 key: ${KEY}
             security:
               tls:
                 reload_interval: 200ms
             service_routes:
               app:
                 prefix: /app
                 service_url: ${UP}
             network_optimization:
               connection_pooling:
                 min_size: 0
             """, Map.of("UP", upstream.url(), "CERT", first.cert.toString(), "KEY", first.key.toString()))) {
      HttpClient client = HttpClient.newBuilder().sslContext(first.sslContext()).version(HttpClient.Version.HTTP_1_1).build();
      URI uri = URI.create("https://localhost:" + gateway.port() + "/app/x");
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
      assertThat(r.body()).contains("\"x-forwarded-proto\":\"https\"");

      X509Certificate served = peerCertificate(gateway.port(), null, null);
      assertThat(served.getSubjectX500Principal().getName()).contains("CN=localhost");
      assertThat(handshakeProtocol(gateway.port())).isIn("TLSv1.3", "TLSv1.2");
      assertThatThrownBy(() -> peerCertificate(gateway.port(), "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"))
          .as("CBC suites are not offered").isInstanceOf(Exception.class);
      assertThat(peerCertificate(gateway.port(), "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isNotNull();

      // An operator replaces the files (as a certificate manager would: write aside, then rename).
      TestCertificates second = TestCertificates.create();
      Files.copy(second.key, first.dir.resolve("key.new"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(second.cert, first.dir.resolve("cert.new"), StandardCopyOption.REPLACE_EXISTING);
      Files.move(first.dir.resolve("key.new"), first.key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Files.move(first.dir.resolve("cert.new"), first.cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> !peerCertificate(gateway.port(), null, null).getSerialNumber().equals(served.getSerialNumber()));
      HttpClient trustsSecond = HttpClient.newBuilder().sslContext(second.sslContext()).version(HttpClient.Version.HTTP_1_1).build();
      // Both listeners (one per event loop) serve the new certificate.
      for (int i = 0; i < 6; i++) {
        assertThat(trustsSecond.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(200);
        assertThat(peerCertificate(gateway.port(), null, null).getSerialNumber()).isNotEqualTo(served.getSerialNumber());
      }
    }
  }

  @Test
  void httpsServicesAreCheckedAgainstTheConfiguredCaBundle() throws Exception {
    TestCertificates serviceCert = TestCertificates.create();
    try (TestUpstream upstream = TestUpstream.start(new HttpServerOptions().setSsl(true).setKeyCertOptions(
        new PemKeyCertOptions().setCertPath(serviceCert.cert.toString()).setKeyPath(serviceCert.key.toString())))) {
      String routes = """
          service_routes:
            secure:
              prefix: /secure
              service_url: https://localhost:${PORT}
          network_optimization:
            connection_pooling:
              min_size: 0
          """;
      Map<String, String> vars = Map.of("PORT", Integer.toString(upstream.port()), "CA", serviceCert.cert.toString());
      try (GatewayFixture trusting = GatewayFixture.start("security:\n  tls:\n    upstream_ca: ${CA}\n" + routes, vars);
           GatewayFixture defaults = GatewayFixture.start(routes, vars)) {
        assertThat(trusting.get("/secure/x").statusCode()).isEqualTo(200);
        assertThat(defaults.get("/secure/x").statusCode()).as("a self-signed service is not trusted by default").isEqualTo(502);
      }
    }
  }

  /** The certificate the gateway presents (trusting anything, to look at it), optionally forcing protocol and suite. */
  private static X509Certificate peerCertificate(int port, String protocol, String suite) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustAll()}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      if (protocol != null) {
        s.setEnabledProtocols(new String[] {protocol});
      }
      if (suite != null) {
        s.setEnabledCipherSuites(new String[] {suite});
      }
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  private static String handshakeProtocol(int port) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustAll()}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.startHandshake();
      return s.getSession().getProtocol();
    }
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
