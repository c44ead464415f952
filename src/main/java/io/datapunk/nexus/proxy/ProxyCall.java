package io.datapunk.nexus.proxy;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.pipeline.Pipeline;
import io.datapunk.nexus.pipeline.RequestIds;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.concurrent.TimeoutException;

/**
 * One exchange's trip to the service and back. All callbacks run on the exchange's event loop, so the
 * state needs no synchronization. Outcomes:
 *
 * <ul>
 *   <li>response head before the route timeout: streamed to the client; a body that stalls longer
 *       than the timeout, or an upstream that fails mid-body, resets the client connection (a started
 *       response cannot turn into an error);
 *   <li>no head in time: the upstream request is cancelled and the client gets 504;
 *   <li>connection refused or reset: 502; pool wait queue full: 503.
 * </ul>
 *
 * A bodiless idempotent request that fails because a pooled connection was closed under it is sent
 * once more on a fresh connection: the service never saw it.
 */
final class ProxyCall implements Handler<Long> {
  private final HttpUpstream upstream;
  private final Exchange exchange;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final boolean hasBody;
  private long timerId = -1;
  private HttpClientRequest upstreamRequest;
  private boolean headReceived;
  private boolean done;
  private int attempt;

  ProxyCall(HttpUpstream upstream, Exchange exchange) {
    this.upstream = upstream;
    this.exchange = exchange;
    this.request = exchange.request();
    this.response = request.response();
    this.hasBody = Pipeline.hasBody(request);
  }

  void start() {
    exchange.upstreamStarted(System.nanoTime());
    timerId = upstream.vertx.setTimer(upstream.timeoutMillis, this);
    response.closeHandler(v -> onClientClosed());
    send();
  }

  private void send() {
    upstream.pool.request(request.method(), upstream.uri(exchange)).onComplete(this::onStream);
  }

  private void onStream(AsyncResult<HttpClientRequest> ar) {
    if (ar.failed()) {
      fail(ar.cause());
      return;
    }
    HttpClientRequest creq = ar.result();
    if (done) {
      creq.reset();
      return;
    }
    upstreamRequest = creq;
    creq.idleTimeout(upstream.timeoutMillis);
    MultiMap headers = creq.headers();
    HopByHop.copy(request.headers(), headers, ForwardedHeaders.WRITTEN);
    ForwardedHeaders.add(request, headers);
    headers.set(RequestIds.HEADER, exchange.requestId());
    creq.response().onComplete(this::onResponse);
    if (hasBody) {
      if (!headers.contains(HttpHeaders.CONTENT_LENGTH)) {
        creq.setChunked(true);
      }
      request.pipe().endOnFailure(false).to(creq).onComplete(this::onRequestBodyDone);
    } else {
      creq.end();
    }
  }

  private void onRequestBodyDone(AsyncResult<Void> ar) {
    if (ar.failed() && !headReceived) {
      // The client stopped sending (or the service stopped reading) before an answer: never pass on
      // a truncated body as if it were complete.
      if (upstreamRequest != null) {
        upstreamRequest.reset();
      }
      fail(ar.cause());
    }
  }

  private void onResponse(AsyncResult<HttpClientResponse> ar) {
    if (done) {
      return;
    }
    if (ar.failed()) {
      Throwable cause = ar.cause();
      if (attempt == 0 && !hasBody && isIdempotent(request.method()) && cause instanceof HttpClosedException) {
        attempt++;
        exchange.countRetry();
        send();
        return;
      }
      fail(cause);
      return;
    }
    HttpClientResponse resp = ar.result();
    headReceived = true;
    exchange.upstreamHeadReceived(System.nanoTime());
    upstream.vertx.cancelTimer(timerId);
    response.setStatusCode(resp.statusCode());
    String message = resp.statusMessage();
    if (message != null) {
      response.setStatusMessage(message);
    }
    MultiMap out = response.headers();
    HopByHop.copy(resp.headers(), out, null);
    out.set(RequestIds.HEADER, exchange.requestId());
    if (!out.contains(HttpHeaders.CONTENT_LENGTH) && mayHaveBody(resp.statusCode())
        && request.method() != HttpMethod.HEAD) {
      if (request.version() == HttpVersion.HTTP_1_0) {
        out.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      } else {
        response.setChunked(true);
      }
    }
    if (hasBody && !request.isEnded()) {
      // The service answered before the whole body arrived; the rest will not be read.
      out.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    Filter[] filters = exchange.route().filters();
    for (int i = filters.length - 1; i >= 0; i--) {
      filters[i].onResponse(exchange);
    }
    resp.pipe().endOnFailure(false).to(response).onComplete(this::onResponseBodyDone);
  }

  private void onResponseBodyDone(AsyncResult<Void> ar) {
    done = true;
    if (ar.failed()) {
      // The service (or the client) broke off mid-body: reset both sides so neither mistakes a
      // truncated body for a complete one.
      if (upstreamRequest != null) {
        upstreamRequest.reset();
      }
      if (!response.ended()) {
        response.reset();
      }
    }
    exchange.complete();
  }

  /** The route timeout fired before the response head arrived. */
  @Override
  public void handle(Long timer) {
    if (done || headReceived) {
      return;
    }
    HttpClientRequest pending = upstreamRequest;
    fail(new TimeoutException());
    if (pending != null) {
      pending.reset();
    }
  }

  private void onClientClosed() {
    if (done) {
      return;
    }
    done = true;
    upstream.vertx.cancelTimer(timerId);
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
    exchange.complete();
  }

  private void fail(Throwable cause) {
    if (done) {
      return;
    }
    done = true;
    upstream.vertx.cancelTimer(timerId);
    GatewayError error = UpstreamFailures.classify(cause);
    exchange.fail(error, UpstreamFailures.message(error, upstream.service));
    exchange.complete();
  }

  private static boolean mayHaveBody(int status) {
    return status >= 200 && status != 204 && status != 304;
  }

  private static boolean isIdempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }
}
