package io.datapunk.nexus.tls;

import io.datapunk.nexus.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a replaced certificate without restart: every {@code security.tls.reload_interval} the
 * certificate and key files are read (on a worker thread) and, when their content changed and both
 * are present, the listener's TLS options are swapped; connections opened after that get the new
 * certificate, open ones keep theirs. A half-written pair (a key that does not match, a partial file)
 * is refused by the swap and tried again on the next check, while the old certificate keeps serving.
 */
public final class CertificateReloader {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

  private final Vertx vertx;
  private final HttpServer server;
  private final HttpServerOptions options;
  private final TlsConfig tls;
  private byte[] digest;
  private boolean busy;
  private long timer = -1;

  public CertificateReloader(Vertx vertx, HttpServer server, HttpServerOptions options, TlsConfig tls) {
    this.vertx = vertx;
    this.server = server;
    this.options = options;
    this.tls = tls;
  }

  /** Remembers the files as served now and checks them every {@code interval}. */
  public void start(java.time.Duration interval) {
    try {
      digest = digest(tls.cert(), tls.key());
    } catch (IOException e) {
      digest = new byte[0];
    }
    timer = vertx.setPeriodic(interval.toMillis(), t -> check());
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  private void check() {
    if (busy) {
      return;
    }
    busy = true;
    vertx.executeBlocking(() -> digest(tls.cert(), tls.key()), false).onComplete(ar -> {
      if (ar.failed() || Arrays.equals(ar.result(), digest)) {
        busy = false;
        return;
      }
      byte[] next = ar.result();
      server.updateSSLOptions(ServerTls.reloaded(options, tls), true).onComplete(up -> {
        busy = false;
        if (up.succeeded()) {
          digest = next;
          LOG.info("TLS certificate reloaded from {}", tls.cert());
        } else {
          LOG.warn("TLS certificate in {} could not be loaded ({}); still serving the previous one", tls.cert(),
              up.cause().getClass().getSimpleName());
        }
      });
    });
  }

  private static byte[] digest(Path cert, Path key) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(Files.readAllBytes(cert));
      md.update((byte) 0);
      md.update(Files.readAllBytes(key));
      return md.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
