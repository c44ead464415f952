package io.datapunk.nexus.server;

import io.datapunk.nexus.config.Http2Config;
import io.datapunk.nexus.config.ServerConfig;
import io.datapunk.nexus.config.TlsConfig;
import io.datapunk.nexus.observability.AuditLog;
import io.datapunk.nexus.tls.CertificateReloader;
import io.datapunk.nexus.tls.ServerTls;
import io.datapunk.nexus.tls.TlsSettings;
import io.datapunk.nexus.validation.Http1Guard;
import io.datapunk.nexus.pipeline.Pipeline;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One data-plane listener on one event loop; the gateway runs one per event loop on the same port.
 * It keeps the set of its open client connections (touched only on its event loop) for the drain.
 */
final class GatewayVerticle extends VerticleBase {
  private final ServerConfig config;
  private final int port;
  private final Pipeline pipeline;
  private final Drain drain;
  private final Set<HttpConnection> connections = Collections.newSetFromMap(new IdentityHashMap<>());
  private ConnectionLimits limits;
  private Promise<Void> drained;
  private HttpServer server;
  private final AuditLog audit;
  private final TlsSettings tlsSettings;
  private CertificateReloader reloader;

  GatewayVerticle(ServerConfig config, int port, Pipeline pipeline, Drain drain, AuditLog audit,
                  TlsSettings tlsSettings) {
    this.config = config;
    this.port = port;
    this.pipeline = pipeline;
    this.drain = drain;
    this.audit = audit;
    this.tlsSettings = tlsSettings;
  }

  static HttpServerOptions options(ServerConfig config) {
    Http2Config h2 = config.http2();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.host())
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) config.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxInitialLineLength(config.maxInitialLineLength())
        .setMaxHeaderSize(config.maxHeaderSize())
        // Request body chunks as large as a socket read, not Vert.x's 8 KiB (fewer writes upstream).
        .setMaxChunkSize(io.datapunk.nexus.proxy.UpstreamPool.MAX_CHUNK_SIZE)
        .setHandle100ContinueAutomatically(false)
        // Compression is the pipeline's (compress.ResponseCompression): Vert.x's own ignores q=0,
        // content types, ranges and Vary.
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // WebSockets are tunnelled as raw upgrades (proxy.WebSocketProxy): Vert.x's extension
        // handler would only inspect every request for an upgrade it never terminates itself.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // Not Vert.x's strict thread mode: it writes each response chunk to the socket at once, so a
        // client could read a whole cached-on-the-way response (and ask again on another event loop)
        // before the cache had stored it (CacheIT.requestNoCacheGoesToTheServiceAndRefreshesTheEntry).
        // h2c is off unless server.http2.cleartext: with it on, Vert.x sets up the HTTP/1 pipeline only
        // once the first request is decoded, too late for Http1Guard's strict decoder.
        .setHttp2ClearTextEnabled(h2.cleartext())
        .setInitialSettings(new Http2Settings()
            .setMaxConcurrentStreams(h2.maxConcurrentStreams())
            .setMaxHeaderListSize(h2.maxHeaderListSize())
            .setInitialWindowSize(h2.initialWindowSize())
            .setPushEnabled(false))
        .setHttp2ConnectionWindowSize(h2.connectionWindowSize())
        .setHttp2RstFloodMaxRstFramePerWindow(h2.maxResetsPerWindow())
        .setHttp2RstFloodWindowDuration((int) Math.max(1, h2.resetWindow().toSeconds()))
        .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
    TlsConfig tls = config.tls();
    if (tls.enabled()) {
      ServerTls.apply(options, tls);
      options.setAlpnVersions(h2.enabled() ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1));
    }
    return options;
  }

  @Override
  public Future<?> start() {
    HttpServerOptions options = options(config);
    server = vertx.createHttpServer(options);
    int max = config.maxRequestsPerConnection();
    if (max > 0) {
      limits = new ConnectionLimits(pipeline, max);
      server.requestHandler(drain.wrap(limits));
    } else {
      server.requestHandler(drain.wrap(pipeline));
    }
    // The guard takes the connection handler (it puts the strict HTTP/1 decoder in place) and calls
    // this listener's after it.
    Http1Guard.install(server, options, this::connected, r -> audit.event("malformed_request",
        r.remoteAddress() == null ? null : r.remoteAddress().hostAddress(), null,
        java.util.Map.of("detail", "refused by the HTTP/1 decoder")));
    if (config.tls().enabled()) {
      reloader = new CertificateReloader(vertx, server, options, config.tls());
      reloader.start(tlsSettings.reloadInterval());
    }
    return server.listen(port);
  }

  @Override
  public Future<?> stop() {
    if (reloader != null) {
      reloader.stop();
    }
    return Future.succeededFuture();
  }

  private void connected(HttpConnection connection) {
    IdleCloser.replace(connection);
    connections.add(connection);
    if (limits != null) {
      limits.connected(connection);
    }
    connection.closeHandler(v -> {
      connections.remove(connection);
      if (limits != null) {
        limits.closed(connection);
      }
      if (drained != null && connections.isEmpty()) {
        drained.tryComplete();
      }
    });
  }

  int actualPort() {
    return server.actualPort();
  }

  /**
   * Drains this listener (the {@link Drain} has started): no new connections; HTTP/2 connections are
   * told GOAWAY; HTTP/1.x connections stay open until their next request has been answered (with
   * {@code Connection: close}) or the client closes them; whatever is still open after {@code timeout}
   * is closed. Completes when the listener is closed.
   */
  Future<Void> drain(long timeoutMillis, boolean closeSocket) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (closeSocket && !ListenerSocket.close(server)) {
        // Fallback: Vert.x's own graceful shutdown (idle HTTP/1.x connections close at once).
        server.shutdown(timeoutMillis, TimeUnit.MILLISECONDS).onComplete(done);
        return;
      }
      drained = Promise.promise();
      for (HttpConnection c : Set.copyOf(connections)) {
        if (c.getWindowSize() >= 0) {
          c.shutdown(timeoutMillis, TimeUnit.MILLISECONDS); // HTTP/2: GOAWAY now
        }
      }
      if (connections.isEmpty()) {
        drained.tryComplete();
      }
      long timer = vertx.setTimer(Math.max(1, timeoutMillis), t -> drained.tryComplete());
      drained.future().onComplete(ar -> {
        vertx.cancelTimer(timer);
        server.close().onComplete(done);
      });
    });
    return done.future();
  }
}
