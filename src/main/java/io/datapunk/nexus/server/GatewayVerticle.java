package io.datapunk.nexus.server;

import io.datapunk.nexus.config.Http2Config;
import io.datapunk.nexus.config.ServerConfig;
import io.datapunk.nexus.config.TlsConfig;
import io.datapunk.nexus.pipeline.Pipeline;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One data-plane listener on one event loop; the gateway runs one per event loop on the same port. */
final class GatewayVerticle extends VerticleBase {
  private final ServerConfig config;
  private final int port;
  private final Pipeline pipeline;
  private HttpServer server;

  GatewayVerticle(ServerConfig config, int port, Pipeline pipeline) {
    this.config = config;
    this.port = port;
    this.pipeline = pipeline;
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
        .setHandle100ContinueAutomatically(false)
        // Compression is the pipeline's (compress.ResponseCompression): Vert.x's own ignores q=0,
        // content types, ranges and Vary.
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
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
      options.setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString()))
          .setUseAlpn(true)
          .setAlpnVersions(h2.enabled() ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1));
    }
    return options;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(options(config));
    int max = config.maxRequestsPerConnection();
    if (max > 0) {
      ConnectionLimits limits = new ConnectionLimits(pipeline, max);
      server.connectionHandler(limits::connected).requestHandler(limits);
    } else {
      server.requestHandler(pipeline);
    }
    return server.listen(port);
  }

  int actualPort() {
    return server.actualPort();
  }
}
