package io.datapunk.nexus.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made at test time with the
 * {@code openssl} CLI into a temporary directory (no private key is ever committed).
 */
public final class TestCertificates {
  public final Path dir;
  public final Path cert;
  public final Path key;

  private TestCertificates(Path dir) {
    this.dir = dir;
    this.cert = dir.resolve("cert.pem");
    this.key = dir.resolve("key.pem");
  }

  public static TestCertificates create() {
    try {
      Path dir = Files.createTempDirectory("nexus-tls");
      TestCertificates c = new TestCertificates(dir);
      Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
          "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", c.key.toString(), "-out", c.cert.toString(),
          "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
          .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl could not make a test certificate: " + Files.readString(dir.resolve("openssl.log")));
      }
      return c;
    } catch (Exception e) {
      throw new IllegalStateException("tests need the openssl CLI (apt-get install openssl)", e);
    }
  }

  /** An SSL context that trusts only this certificate (for java.net.http clients). */
  public SSLContext sslContext() {
    try (InputStream in = Files.newInputStream(cert)) {
      X509Certificate x = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("nexus-test", x);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
