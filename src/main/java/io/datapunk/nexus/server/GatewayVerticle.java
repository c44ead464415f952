package io.datapunk.nexus.server;

import io.datapunk.nexus.config.ServerConfig;
import io.datapunk.nexus.pipeline.Pipeline;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
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
    return new HttpServerOptions()
        .setHost(config.host())
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) config.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxInitialLineLength(config.maxInitialLineLength())
        .setMaxHeaderSize(config.maxHeaderSize())
        .setHandle100ContinueAutomatically(false)
        .setCompressionSupported(false);
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(options(config)).requestHandler(pipeline);
    return server.listen(port);
  }

  int actualPort() {
    return server.actualPort();
  }
}
