package io.datapunk.nexus.proxy;

import io.datapunk.nexus.discovery.Instance;
import io.datapunk.nexus.observability.TraceContext;
import io.datapunk.nexus.pipeline.BodyTap;
import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.pipeline.Pipeline;
import io.datapunk.nexus.pipeline.RequestIds;
import io.datapunk.nexus.resilience.RetryPolicy;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.WriteStream;
import java.util.concurrent.TimeoutException;

/**
 * One exchange's trip to the service and back. The resilience order is written here, once:
 *
 * <ol>
 *   <li><b>route timeout</b> (one timer from the start to the response head) around
 *   <li><b>circuit breaker</b> (one permission per client request, one outcome after the last
 *       attempt, so retries never count twice and the breaker has no timeout of its own) around
 *   <li><b>retries</b> (up to {@code retry_attempts}, each on an instance not tried yet when one is
 *       available, after a jittered exponential backoff or the service's {@code Retry-After}, within the
 *       retry budget and only when the time left allows) around
 *   <li><b>the attempt</b>: an instance chosen by the load balancer, a pooled connection to it, the
 *       request streamed (or replayed from the kept body).
 * </ol>
 *
 * Outcomes: a response head before the timeout is streamed to the client through the exchange's
 * {@link Exchange#responseBody()} (which may compress it); from the head on, the route's
 * {@code idle_timeout} applies instead of its timeout, so a body that keeps flowing (a download,
 * server-sent events) is never cut, while one with no byte for idle_timeout, or an upstream that fails
 * mid-body, resets the client stream (a started response cannot turn into an error); no head in time:
 * 504; connection refused or reset, or no available instance: 502; breaker open or pool wait queue
 * full: 503.
 *
 * <p>A request is retried only when that is safe: a connection failure (the request never left) for
 * any method; a reset before the answer or a {@code retry.statuses} answer only for idempotent methods
 * (or all, with {@code retry.non_idempotent}); and only when its body can be sent again whole. An
 * idempotent request without a body (or with a kept one) that fails because a pooled connection was
 * closed or reset under it is sent once more without using an attempt. An HTTP/2 request whose stream was not
 * yet ended when it was dispatched, without a Content-Length, is first read up to its first byte: one
 * that ends there (a GET, almost always) has no body. All callbacks run on the exchange's event loop, so the state needs no
 * synchronization; callbacks of an abandoned attempt are recognized by its number and ignored.
 */
final class ProxyCall extends TimeoutWheel.Timeout implements Handler<Long>, WriteStream<Buffer> {
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");

  private final HttpUpstream upstream;
  private final Exchange exchange;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final boolean hasBody;
  private long startNanos;
  private long deadlineNanos;
  /**
   * The route timer before the response head, the idle timer after it: this call itself, armed on
   * the event loop's {@link TimeoutWheel}, or (off an event loop) a Vert.x timer.
   */
  private TimeoutWheel wheel;
  private long timerId = -1;
  private long backoffTimerId = -1;
  /** Where the response body goes (the response, or a compressing stream in front of it). */
  private WriteStream<Buffer> body;
  private long lastBodyNanos;
  /** A breaker permission is held: exactly one outcome or release must follow. */
  private boolean permitted;
  /** The body kept for retries, or null when it is streamed straight from the client. */
  private ReplayBody replay;
  /** The client's body (or its rest past the kept part) was piped to an attempt: it cannot be sent again. */
  private boolean bodyStreamed;
  private int retries;
  private boolean resent;
  private Instance firstTried;
  private Instance[] tried;
  private int triedCount;
  /** The number of the current attempt. */
  private int seq;
  /** The instance of the current attempt while it counts as in flight there, else null. */
  private Instance instance;
  private UpstreamRequest upstreamRequest;
  private boolean headReceived;
  private boolean done;

  ProxyCall(HttpUpstream upstream, Exchange exchange) {
    this.upstream = upstream;
    this.exchange = exchange;
    this.request = exchange.request();
    this.response = request.response();
    this.hasBody = Pipeline.hasBody(request);
  }

  void start() {
    startNanos = System.nanoTime();
    exchange.upstreamStarted(startNanos);
    if (!upstream.breaker.tryAcquire()) {
      done = true;
      exchange.fail(GatewayError.UNAVAILABLE, "The " + upstream.service
          + " service is failing and calls to it are paused; try again later.", upstream.breaker.retryAfterSeconds());
      exchange.complete();
      return;
    }
    permitted = true;
    upstream.budget.onRequest();
    deadlineNanos = startNanos + upstream.timeoutNanos;
    wheel = TimeoutWheel.current();
    arm(upstream.timeoutMillis);
    response.closeHandler(v -> onClientClosed());
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (hasBody && upstream.retry.keepsBody(request.method(), length)) {
      ReplayBody.read(request, exchange.body(), upstream.retry.maxReplayBody(), this::onBodyKept);
    } else if (hasBody && length == null && request.version() == HttpVersion.HTTP_2) {
      // Vert.x dispatches an HTTP/2 request before the end of a stream that ended with its headers,
      // so "not ended" does not yet mean "has a body": read up to the first byte. A stream that ends
      // first (a GET) then goes out bodiless and may be resent; one with a body streams on.
      ReplayBody.read(request, exchange.body(), 0, this::onBodyKept);
    } else {
      attempt();
    }
  }

  private void onBodyKept(AsyncResult<ReplayBody> ar) {
    if (done) {
      return;
    }
    if (ar.failed()) {
      // The client stopped sending before the end of its body: nothing to forward.
      fail(ar.cause(), false);
      return;
    }
    replay = ar.result();
    attempt();
  }

  private void attempt() {
    if (firstTried != null && tried == null) {
      // A retry: from now on the balancer is told which instances were tried (most requests never
      // get here, so they allocate nothing for it).
      tried = new Instance[upstream.retry.attempts() + 2];
      tried[0] = firstTried;
      triedCount = 1;
    }
    Instance chosen = upstream.balancer.pick(upstream.instances.all(), tried, triedCount, System.nanoTime());
    if (chosen == null) {
      fail(GatewayError.SERVICE_DOWN, "The " + upstream.service + " service has no healthy instance.", true);
      return;
    }
    if (firstTried == null) {
      firstTried = chosen;
    } else if (triedCount < tried.length && !contains(chosen)) {
      tried[triedCount++] = chosen;
    }
    instance = chosen;
    chosen.attemptStarted();
    int attemptSeq = ++seq;
    upstream.pool.request(request.method(), chosen, upstream.uri(exchange, chosen))
        .onComplete(ar -> onStream(ar, attemptSeq));
  }

  private void onStream(AsyncResult<UpstreamRequest> ar, int attemptSeq) {
    if (ar.failed()) {
      if (attemptSeq != seq || done) {
        return;
      }
      Throwable cause = ar.cause();
      if (UpstreamFailures.closedBeforeConnect(cause)) {
        // The gateway's own new connection was closed before it connected (a burst of client
        // hang-ups churns the pool; with epoll a socket can be torn down between its registration
        // and its connect): nothing reached the service and it is not failing. Sent once more,
        // without using an attempt; never counted against the service. (Both ways end the attempt.)
        if (!resendOnce()) {
          fail(cause, false);
        }
        return;
      }
      if (cause instanceof ConnectionPoolTooBusyException) {
        endAttempt(); // the instance is busy, not failing
      } else {
        failedAttempt(true);
      }
      // Nothing was sent: any method may go to another instance.
      if (!retry(false, 0)) {
        fail(cause, !(cause instanceof ConnectionPoolTooBusyException));
      }
      return;
    }
    UpstreamRequest creq = ar.result();
    if (attemptSeq != seq || done) {
      creq.reset();
      return;
    }
    upstreamRequest = creq;
    // No creq.idleTimeout: the route timer covers the attempt up to the head (a Vert.x idle timeout
    // would add a second timer per request for nothing).
    MultiMap headers = creq.headers();
    HopByHop.copy(request.headers(), headers, ForwardedHeaders.WRITTEN);
    ForwardedHeaders.add(request, headers);
    headers.set(RequestIds.HEADER, exchange.requestId());
    TraceContext trace = exchange.trace();
    headers.set(TraceContext.TRACEPARENT, trace.traceparent());
    if (!trace.continued()) {
      // tracestate belongs to the caller's trace; without a valid traceparent it is dropped.
      headers.remove(TraceContext.TRACESTATE);
    }
    if (instance != null) {
      exchange.upstreamInstance(instance.url());
    }
    creq.response().onComplete(r -> onResponse(r, attemptSeq));
    if (!hasBody || (replay != null && replay.complete() && replay.bytes().length() == 0)) {
      creq.end();
    } else if (replay != null && replay.complete()) {
      if (!headers.contains(HttpHeaders.CONTENT_LENGTH)) {
        headers.set(HttpHeaders.CONTENT_LENGTH, Integer.toString(replay.bytes().length()));
      }
      creq.end(replay.bytes());
    } else {
      if (!headers.contains(HttpHeaders.CONTENT_LENGTH)) {
        creq.setChunked();
      }
      if (replay != null) {
        creq.write(replay.bytes());
      }
      bodyStreamed = true;
      exchange.body().pipe().endOnFailure(false).to(creq).onComplete(r -> onRequestBodyDone(r, attemptSeq));
    }
  }

  private void onRequestBodyDone(AsyncResult<Void> ar, int attemptSeq) {
    if (ar.failed() && !headReceived && attemptSeq == seq && !done) {
      // The client stopped sending (or the service stopped reading) before an answer: never pass on
      // a truncated body as if it were complete, and never send it again. The exchange ends first, so
      // the failure the reset causes is ignored.
      UpstreamRequest creq = upstreamRequest;
      fail(ar.cause(), false);
      if (creq != null) {
        creq.reset();
      }
    }
  }

  private void onResponse(AsyncResult<UpstreamResponse> ar, int attemptSeq) {
    if (attemptSeq != seq || done) {
      return;
    }
    if (ar.failed()) {
      Throwable cause = ar.cause();
      if (RetryPolicy.isIdempotent(request.method()) && UpstreamFailures.connectionLost(cause)
          && (!hasBody || (replay != null && replay.complete())) && resendOnce()) {
        // A pooled connection closed or reset under the request: usually the service closed an
        // idle connection just as it was reused.
        return;
      }
      failedAttempt(false);
      if (!retry(true, 0)) {
        fail(cause, true);
      }
      return;
    }
    UpstreamResponse resp = ar.result();
    int status = resp.statusCode();
    boolean retryable = upstream.retry.retriesStatus(status);
    if (retryable && retry(true, RetryPolicy.retryAfterNanos(resp.getHeader(RETRY_AFTER), System.currentTimeMillis()),
        resp)) {
      return;
    }
    headReceived = true;
    long now = System.nanoTime();
    exchange.upstreamHeadReceived(now);
    disarm();
    // From here the route's idle_timeout applies, not its timeout: a body that keeps flowing is never
    // cut; one with no byte for idle_timeout is reset. (Not HttpClientRequest.idleTimeout: Vert.x
    // cancels it at the response head, and re-arms it with only the time left, so the window shrinks.)
    lastBodyNanos = now;
    arm(upstream.idleTimeoutMillis);
    if (instance != null) {
      if (retryable) {
        upstream.outliers.onFailure(instance, false);
      } else {
        upstream.outliers.onSuccess(instance);
      }
    }
    if (permitted) {
      permitted = false;
      if (upstream.breaker.isFailureStatus(status)) {
        upstream.breaker.onFailure(now - startNanos);
      } else {
        upstream.breaker.onSuccess(now - startNanos);
      }
    }
    response.setStatusCode(status);
    String message = resp.statusMessage();
    if (message != null && !message.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      // Only a non-standard reason phrase is passed on: setting one makes Vert.x build a new status
      // object for the response, the standard one is written anyway.
      response.setStatusMessage(message);
    }
    MultiMap out = response.headers();
    HopByHop.copy(resp.headers(), out, null);
    out.set(RequestIds.HEADER, exchange.requestId());
    if (!out.contains(HttpHeaders.CONTENT_LENGTH) && mayHaveBody(status) && request.method() != HttpMethod.HEAD) {
      if (request.version() == HttpVersion.HTTP_1_0) {
        out.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      } else {
        response.setChunked(true);
      }
    }
    if (hasBody && !request.isEnded() && request.version() != HttpVersion.HTTP_2) {
      // The service answered before the whole body arrived; the rest will not be read. (HTTP/2 ends
      // just this stream; the header is not allowed there.)
      out.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    Filter[] filters = exchange.route().filters();
    for (int i = filters.length - 1; i >= 0; i--) {
      filters[i].onResponse(exchange);
    }
    if (exchange.replacement() != null) {
      // A response filter replaced the service's answer: its body is read and dropped, so the pooled
      // connection stays usable, and the client gets the gateway's error instead.
      resp.discard();
      done = true;
      endAttempt();
      exchange.fail(exchange.replacement(), exchange.replacementMessage());
      exchange.complete();
      return;
    }
    body = exchange.responseBody();
    // A body tap (the cache) sees each chunk on its way; without one the response is piped as is.
    BodyTap.wrap(resp, exchange.bodyTap()).pipe().endOnFailure(false).to(this).onComplete(this::onResponseBodyDone);
  }

  private void onResponseBodyDone(AsyncResult<Void> ar) {
    done = true;
    disarm();
    endAttempt();
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

  /**
   * Sends the request once more without using one of the route's attempts: at most once per call,
   * and only within the retry budget. Returns whether it did.
   */
  private boolean resendOnce() {
    if (resent || !upstream.budget.tryRetry()) {
      return false;
    }
    resent = true;
    endAttempt();
    exchange.countRetry();
    upstream.retries.increment();
    upstreamRequest = null;
    attempt();
    return true;
  }

  private boolean retry(boolean sent, long retryAfterNanos) {
    return retry(sent, retryAfterNanos, null);
  }

  /**
   * Starts the next attempt when the policy, the body, the time left and the budget allow it; the
   * failed attempt's answer (when there is one) is then read and dropped.
   */
  private boolean retry(boolean sent, long retryAfterNanos, UpstreamResponse failedAnswer) {
    if (done || retries >= upstream.retry.attempts()) {
      return false;
    }
    if (sent && !upstream.retry.mayResend(request.method())) {
      return false;
    }
    if (hasBody && bodyStreamed && (replay == null || !replay.complete())) {
      return false;
    }
    long delay = Math.max(upstream.retry.backoffNanos(retries + 1), retryAfterNanos);
    if (System.nanoTime() + delay >= deadlineNanos || !upstream.budget.tryRetry()) {
      upstream.retriesRefused.increment();
      return false;
    }
    if (failedAnswer != null) {
      failedAttempt(false);
      // Drop the answer's body so the connection can be reused.
      failedAnswer.discard();
    }
    retries++;
    exchange.countRetry();
    upstream.retries.increment();
    upstreamRequest = null;
    long millis = delay / 1_000_000;
    if (millis == 0) {
      attempt();
    } else {
      backoffTimerId = upstream.vertx.setTimer(millis, t -> {
        backoffTimerId = -1;
        if (!done) {
          attempt();
        }
      });
    }
    return true;
  }

  private void arm(long millis) {
    if (wheel != null) {
      wheel.schedule(this, millis);
    } else {
      timerId = upstream.vertx.setTimer(millis, this);
    }
  }

  private void disarm() {
    if (wheel != null) {
      cancel();
    } else if (timerId != -1) {
      upstream.vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  @Override
  protected void expired() {
    handle(null);
  }

  /** The route timeout (before the response head) or the idle check (after it) fired. */
  @Override
  public void handle(Long timer) {
    timerId = -1;
    if (done) {
      return;
    }
    if (headReceived) {
      long idleNanos = System.nanoTime() - lastBodyNanos;
      long limitNanos = upstream.idleTimeoutMillis * 1_000_000L;
      if (idleNanos < limitNanos) {
        arm(Math.max(1, (limitNanos - idleNanos) / 1_000_000L));
      } else if (upstreamRequest != null) {
        // The pipe then fails and onResponseBodyDone resets the client side.
        upstreamRequest.reset();
      }
      return;
    }
    if (backoffTimerId != -1) {
      upstream.vertx.cancelTimer(backoffTimerId);
      backoffTimerId = -1;
    }
    if (instance != null) {
      failedAttempt(false);
    }
    // The exchange ends before the reset, so the failure the reset reports is ignored.
    UpstreamRequest creq = upstreamRequest;
    fail(new TimeoutException(), true);
    if (creq != null) {
      creq.reset();
    }
  }

  private void onClientClosed() {
    if (done) {
      return;
    }
    done = true;
    disarm();
    if (backoffTimerId != -1) {
      upstream.vertx.cancelTimer(backoffTimerId);
    }
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
    endAttempt();
    if (permitted) {
      permitted = false;
      upstream.breaker.release();
    }
    exchange.complete();
  }

  /** The current attempt failed at the instance (passive health learns from it). */
  private void failedAttempt(boolean connect) {
    Instance i = instance;
    if (i != null) {
      upstream.outliers.onFailure(i, connect);
      endAttempt();
    }
  }

  /** The current attempt no longer counts as in flight at its instance. */
  private void endAttempt() {
    Instance i = instance;
    if (i != null) {
      instance = null;
      i.attemptEnded();
    }
  }

  private void fail(Throwable cause, boolean serviceFailure) {
    GatewayError error = UpstreamFailures.classify(cause);
    fail(error, UpstreamFailures.message(error, upstream.service), serviceFailure && error != GatewayError.UNAVAILABLE);
  }

  private void fail(GatewayError error, String message, boolean serviceFailure) {
    if (done) {
      return;
    }
    done = true;
    disarm();
    endAttempt();
    if (permitted) {
      permitted = false;
      if (serviceFailure) {
        upstream.breaker.onFailure(System.nanoTime() - startNanos);
      } else {
        upstream.breaker.release();
      }
    }
    exchange.fail(error, message);
    exchange.complete();
  }

  private boolean contains(Instance i) {
    for (int k = 0; k < triedCount; k++) {
      if (tried[k] == i) {
        return true;
      }
    }
    return false;
  }

  // The response body passes through here on its way to the client, to note when bytes last flowed.

  @Override
  public Future<Void> write(Buffer data) {
    lastBodyNanos = System.nanoTime();
    return body.write(data);
  }

  @Override
  public Future<Void> end() {
    return body.end();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    body.exceptionHandler(handler);
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    body.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return body.writeQueueFull();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    body.drainHandler(handler);
    return this;
  }

  private static boolean mayHaveBody(int status) {
    return status >= 200 && status != 204 && status != 304;
  }
}
