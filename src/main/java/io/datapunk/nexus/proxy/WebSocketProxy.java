package io.datapunk.nexus.proxy;

import io.datapunk.nexus.discovery.Instance;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.pipeline.RequestIds;
import io.datapunk.nexus.resilience.RouteBreaker;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeoutException;

/**
 * WebSocket proxying for one route, as a tunnel: the client's upgrade request goes to the service
 * (end-to-end headers, {@code Sec-WebSocket-*} included, plus the forwarding headers); only when the
 * service answers 101 does the client get its 101, with the service's {@code Sec-WebSocket-Accept},
 * subprotocol and extensions, and from then on {@link WebSocketTunnel} relays the bytes both ways.
 * So the subprotocol, extensions, every frame, ping, pong and close code with its reason pass
 * exactly as the two ends sent them. A refusal (any other status) is passed back as a response.
 * The route's filters (authentication, rate limit) have run on the upgrade request before it gets
 * here; the route timeout covers the service's answer to the upgrade. The instance is chosen by the
 * route's load balancer, within its circuit breaker (see {@link #forward(Exchange)}).
 */
final class WebSocketProxy {
  private final HttpUpstream upstream;
  private final Vertx vertx;
  private final HttpClientAgent client;

  WebSocketProxy(HttpUpstream upstream) {
    this.upstream = upstream;
    this.vertx = upstream.vertx;
    // Its own HTTP/1.1 client (an upgrade cannot ride an HTTP/2 pool); a tunnel keeps its
    // connection, so the pool is sized for many long-lived sockets, not for reuse. TLS is chosen per
    // request by the instance's scheme.
    this.client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setName("nexus-ws-" + upstream.service).setTcpNoDelay(true)
            .setKeepAlive(true).setKeepAliveTimeout(4).setDecompressionSupported(false)
            .setMaxHeaderSize(UpstreamPool.MAX_UPSTREAM_HEADER_SIZE))
        .with(new PoolOptions().setHttp1MaxSize(100_000).setMaxWaitQueueSize(0))
        .build();
  }

  /** Whether the request asks for a WebSocket (HTTP/1.1 GET with {@code Connection: upgrade}, {@code Upgrade: websocket}). */
  static boolean isUpgrade(HttpServerRequest request) {
    return request.canUpgradeToWebSocket();
  }

  /**
   * One upgrade: a breaker permission, an instance from the route's load balancer, the upgrade sent
   * there. Not retried (an upgrade is a GET, but the service may have acted on it); the attempt counts
   * as in flight at the instance until the tunnel closes, so least_requests spreads sockets.
   */
  void forward(Exchange exchange) {
    RouteBreaker breaker = upstream.breaker;
    if (!breaker.tryAcquire()) {
      exchange.fail(GatewayError.UNAVAILABLE, "The " + upstream.service
          + " service is failing and calls to it are paused; try again later.", breaker.retryAfterSeconds());
      exchange.complete();
      return;
    }
    long start = System.nanoTime();
    exchange.upstreamStarted(start);
    Instance instance = upstream.balancer.pick(upstream.instances.all(), null, 0, start);
    if (instance == null) {
      breaker.onFailure(System.nanoTime() - start);
      exchange.fail(GatewayError.SERVICE_DOWN, "The " + upstream.service + " service has no healthy instance.");
      exchange.complete();
      return;
    }
    instance.attemptStarted();
    Attempt attempt = new Attempt(exchange, instance, start);
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(instance.host()).setPort(instance.port())
            .setSsl("https".equals(instance.address().scheme())).setURI(upstream.uri(exchange, instance)))
        .onComplete(ar -> onStream(attempt, ar));
  }

  /** One upgrade on its way to one instance; ends exactly once. */
  private final class Attempt {
    final Exchange exchange;
    final Instance instance;
    final long startNanos;
    private boolean permitted = true;
    private boolean ended;
    private boolean left;

    Attempt(Exchange exchange, Instance instance, long startNanos) {
      this.exchange = exchange;
      this.instance = instance;
      this.startNanos = startNanos;
    }

    /** The service answered (any status): the breaker and passive health learn the outcome. */
    void answered(int status) {
      exchange.upstreamHeadReceived(System.nanoTime());
      if (status >= 500) {
        upstream.outliers.onFailure(instance, false);
      } else {
        upstream.outliers.onSuccess(instance);
      }
      outcome(upstream.breaker.isFailureStatus(status));
    }

    /**
     * The upgrade failed before an answer: the instance learns it and stops counting the attempt (the
     * caller then answers the client and ends the exchange).
     */
    void failed(GatewayError error, boolean connect) {
      upstream.outliers.onFailure(instance, connect);
      outcome(error != GatewayError.UNAVAILABLE);
      leave();
    }

    private void outcome(boolean failure) {
      if (!permitted) {
        return;
      }
      permitted = false;
      long nanos = System.nanoTime() - startNanos;
      if (failure) {
        upstream.breaker.onFailure(nanos);
      } else {
        upstream.breaker.onSuccess(nanos);
      }
    }

    /** The exchange is over (answer passed back, tunnel closed or failure): no longer in flight. */
    void end() {
      if (!ended) {
        ended = true;
        leave();
        exchange.complete();
      }
    }

    private void leave() {
      if (!left) {
        left = true;
        instance.attemptEnded();
      }
    }
  }

  private void onStream(Attempt attempt, AsyncResult<HttpClientRequest> ar) {
    Exchange exchange = attempt.exchange;
    if (ar.failed()) {
      fail(attempt, ar.cause(), true);
      return;
    }
    HttpServerRequest request = exchange.request();
    HttpClientRequest creq = ar.result();
    MultiMap headers = creq.headers();
    HopByHop.copy(request.headers(), headers, ForwardedHeaders.WRITTEN);
    ForwardedHeaders.add(request, headers);
    headers.set(RequestIds.HEADER, exchange.requestId());
    headers.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
    headers.set(HttpHeaders.UPGRADE, request.getHeader(HttpHeaders.UPGRADE));
    // Failures reach connect()'s future; once tunnelled, the connection's close is the tunnel's.
    creq.exceptionHandler(e -> {});
    long timer = vertx.setTimer(upstream.timeoutMillis, t -> creq.reset(0, new TimeoutException()));
    creq.connect().onComplete(answer -> {
      vertx.cancelTimer(timer);
      onServiceAnswer(attempt, answer);
    });
  }

  private void onServiceAnswer(Attempt attempt, AsyncResult<HttpClientResponse> ar) {
    Exchange exchange = attempt.exchange;
    if (ar.failed()) {
      fail(attempt, ar.cause(), false);
      return;
    }
    HttpServerRequest request = exchange.request();
    HttpServerResponse response = request.response();
    HttpClientResponse resp = ar.result();
    attempt.answered(resp.statusCode());
    if (response.closed()) {
      resp.request().connection().close();
      attempt.end();
      return;
    }
    if (resp.statusCode() != 101) {
      // The service refused the upgrade: its answer goes back as it is.
      response.setStatusCode(resp.statusCode());
      HopByHop.copy(resp.headers(), response.headers(), null);
      response.headers().set(RequestIds.HEADER, exchange.requestId());
      if (!response.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
        response.setChunked(true);
      }
      resp.pipe().to(response).onComplete(v -> attempt.end());
      return;
    }
    NetSocket serviceSocket = resp.netSocket();
    MultiMap out = response.headers();
    HopByHop.copy(resp.headers(), out, null);
    out.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
    out.set(HttpHeaders.UPGRADE, resp.getHeader(HttpHeaders.UPGRADE));
    out.set(RequestIds.HEADER, exchange.requestId());
    request.toNetSocket().onComplete(accepted -> {
      if (accepted.failed()) {
        serviceSocket.close();
        attempt.end();
        return;
      }
      new WebSocketTunnel(vertx, accepted.result(), serviceSocket, upstream.idleTimeoutMillis, attempt::end).start();
    });
  }

  private void fail(Attempt attempt, Throwable cause, boolean connect) {
    GatewayError error = UpstreamFailures.classify(cause);
    // The attempt stops counting as in flight before the client can read the error (a client that
    // asks the admin API right after its 502 must not still see it).
    attempt.failed(error, connect);
    attempt.exchange.fail(error, UpstreamFailures.message(error, upstream.service));
    attempt.end();
  }
}
