package io.datapunk.nexus.proxy;

import io.datapunk.nexus.config.PoolConfig;
import io.datapunk.nexus.discovery.Instance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The keep-alive connection pools of one service: one client whose requests are addressed per
 * instance, so each instance has its own pool of at most {@code max_size} connections with a bounded
 * wait queue (beyond it requests fail at once), idle connections closed after {@code idle_timeout},
 * and {@code min_size} connections opened at start. The client is the gateway's own
 * ({@link H1Client}) for plain-HTTP/1.1 services, Vert.x's for HTTPS and HTTP/2 ones.
 */
public final class UpstreamPool {
  /** Maximum size of a response header block accepted from a service. */
  static final int MAX_UPSTREAM_HEADER_SIZE = 64 * 1024;
  /** Largest body chunk handed on at once (both directions; see {@code GatewayVerticle}). */
  public static final int MAX_CHUNK_SIZE = 64 * 1024;

  private final HttpClientAgent client;
  /** The gateway's own client, for plain-HTTP/1.1 services; null for HTTPS and HTTP/2 ones. */
  private final H1Client h1;
  private final String host;
  private final int port;
  private final String service;
  private final PoolConfig config;

  private UpstreamPool(HttpClientAgent client, H1Client h1, String service, String host, int port, PoolConfig config) {
    this.client = client;
    this.h1 = h1;
    this.service = service;
    this.host = host;
    this.port = port;
    this.config = config;
  }

  public static UpstreamPool create(Vertx vertx, String service, URI url, PoolConfig pool) {
    return create(vertx, service, url, pool, false);
  }

  /**
   * A pool that speaks HTTP/2 to the service when {@code http2} is set: h2 negotiated by ALPN over
   * https (HTTP/1.1 if the service does not offer h2), h2c with prior knowledge over http.
   */
  public static UpstreamPool create(Vertx vertx, String service, URI url, PoolConfig pool, boolean http2) {
    boolean https = "https".equals(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : (https ? 443 : 80);
    return create(vertx, service, https, url.getHost(), port, pool, http2, null);
  }

  /** Pools for a service whose instances all use http or all use https. */
  public static UpstreamPool create(Vertx vertx, String service, boolean https, PoolConfig pool) {
    return create(vertx, service, https, pool, false);
  }

  /**
   * Pools for a service whose instances all use http or all use https, each instance's pool speaking
   * HTTP/2 when {@code http2} is set (as {@link #create(Vertx, String, URI, PoolConfig, boolean)}).
   */
  public static UpstreamPool create(Vertx vertx, String service, boolean https, PoolConfig pool, boolean http2) {
    return create(vertx, service, https, pool, http2, null);
  }

  /**
   * As {@link #create(Vertx, String, boolean, PoolConfig, boolean)}; an {@code https://} service's
   * certificate is checked against {@code trustedCa} (a PEM bundle) when given, else the JVM's trust
   * store, and its name must match the host.
   */
  public static UpstreamPool create(Vertx vertx, String service, boolean https, PoolConfig pool, boolean http2,
                                    java.nio.file.Path trustedCa) {
    return create(vertx, service, https, "localhost", https ? 443 : 80, pool, http2, trustedCa);
  }

  private static UpstreamPool create(Vertx vertx, String service, boolean https, String host, int port,
                                     PoolConfig pool, boolean http2, java.nio.file.Path trustedCa) {
    HttpClientOptions options = new HttpClientOptions()
        .setName("nexus-" + service)
        .setDefaultHost(host)
        .setDefaultPort(port)
        .setSsl(https)
        .setKeepAlive(pool.enabled())
        // Seconds are the pool's unit; round down, so a 4.5s setting closes at 4s, before a service
        // whose own keep-alive the setting was chosen to beat (config keeps it >= 1s).
        .setKeepAliveTimeout((int) Math.max(1, pool.idleTimeout().toSeconds()))
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, pool.connectTimeout().toMillis()))
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(MAX_UPSTREAM_HEADER_SIZE)
        // Body chunks as large as a socket read (Vert.x's default cuts them at 8 KiB): a 256 KiB
        // response is then a few writes to the client, not 32. Chunks are slices of the read buffer,
        // so this costs no memory.
        .setMaxChunkSize(MAX_CHUNK_SIZE)
        .setPipelining(false);
    if (https) {
      options.setVerifyHost(true);
      if (trustedCa != null) {
        options.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(trustedCa.toString()));
      }
    }
    if (http2) {
      options.setProtocolVersion(HttpVersion.HTTP_2)
          .setUseAlpn(https)
          .setHttp2ClearTextUpgrade(false)
          .setHttp2KeepAliveTimeout(options.getKeepAliveTimeout());
    }
    PoolOptions poolOptions = new PoolOptions()
        .setHttp1MaxSize(pool.maxSize())
        .setHttp2MaxSize(pool.maxSize())
        .setMaxWaitQueueSize(pool.maxWaitQueue())
        // Checks idle connections every 100 ms, so one closes at most 0.1 s after idle_timeout.
        .setCleanerPeriod(100);
    if (!https && !http2) {
      // Plain HTTP/1.1: the gateway's own client (see H1Client), the proxy's hot path.
      return new UpstreamPool(null, new H1Client(vertx, pool), service, host, port, pool);
    }
    HttpClientAgent client = vertx.httpClientBuilder().with(options).with(poolOptions).build();
    return new UpstreamPool(client, null, service, host, port, pool);
  }

  public String service() {
    return service;
  }

  /** Asks the instance's pool for a request stream (waits for a free connection when all are busy). */
  Future<UpstreamRequest> request(HttpMethod method, Instance instance, String uri) {
    if (h1 != null) {
      return h1.request(method, instance.host(), instance.port(), uri);
    }
    return client.request(method, instance.port(), instance.host(), uri).map(VertxUpstreamRequest::new);
  }

  /** Opens {@code min_size} connections to one instance (see {@link #warm(String)}). */
  public Future<Void> warm(Instance instance) {
    return warm(instance.port(), instance.host(), instance.basePath());
  }

  /**
   * Opens {@code min_size} connections at once: as many concurrent {@code HEAD} requests to the
   * service root, each needing its own connection, which then stay pooled until idle_timeout. The
   * result never fails: a service that is down at start is simply not warmed.
   */
  public Future<Void> warm(String basePath) {
    return warm(port, host, basePath);
  }

  private Future<Void> warm(int port, String host, String basePath) {
    String uri = basePath.isEmpty() ? "/" : basePath + "/";
    if (h1 != null) {
      return h1.warm(host, port, uri);
    }
    int n = config.enabled() ? config.minSize() : 0;
    List<Future<?>> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      all.add(client.request(HttpMethod.HEAD, port, host, uri)
          .compose(r -> r.send().compose(resp -> resp.end()))
          .recover(e -> Future.succeededFuture()));
    }
    return Future.join(all).mapEmpty();
  }

  public Future<Void> close() {
    return h1 != null ? h1.close() : client.close();
  }

  /**
   * Closes the pool gracefully: no new requests; each connection closes once its request in flight
   * is done; whatever is still open after {@code timeout} is closed.
   */
  public Future<Void> shutdown(java.time.Duration timeout) {
    return h1 != null ? h1.shutdown(timeout.toMillis())
        : client.shutdown(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }
}
