package io.datapunk.nexus.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The draining state of a gateway, shared by its listeners, and the request handler that applies it:
 * once draining, a request on an HTTP/1.x connection is answered with {@code Connection: close} and
 * its connection closes after that response; on HTTP/2 the connection is told GOAWAY, its streams in
 * flight finish, and it closes. A connection is never closed under a request the client may already
 * have sent: only after a response, or when the drain timeout has passed.
 */
final class Drain {
  private volatile boolean draining;
  private volatile long deadlineNanos;

  /** Starts draining for at most {@code timeout}; returns false when it had already started. */
  synchronized boolean start(Duration timeout) {
    if (draining) {
      return false;
    }
    deadlineNanos = System.nanoTime() + timeout.toNanos();
    draining = true;
    return true;
  }

  boolean draining() {
    return draining;
  }

  /** Time left before the drain timeout (zero when past it). */
  long remainingMillis() {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
  }

  /** The data-plane request handler: {@code next}, preceded while draining by the close of the connection. */
  Handler<HttpServerRequest> wrap(Handler<HttpServerRequest> next) {
    return request -> {
      // An upgrade (WebSocket) turns the connection into a tunnel: it is closed with the rest at the timeout.
      if (draining && !request.headers().contains(HttpHeaders.UPGRADE)) {
        if (request.version() != HttpVersion.HTTP_2) {
          request.response().headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        // HTTP/1.x: closes once this response is sent; HTTP/2: GOAWAY, then closes when its streams end.
        // (At least 1 ms: 0 would mean "close now", under this very request.)
        request.connection().shutdown(Math.max(1, remainingMillis()), TimeUnit.MILLISECONDS);
      }
      next.handle(request);
    };
  }
}
