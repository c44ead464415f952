package io.datapunk.nexus.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive limit of one listener: after {@code server.max_requests_per_connection} requests a
 * client connection is closed gracefully. On HTTP/1.1 the last response says
 * {@code Connection: close} and the connection closes once it is sent; on HTTP/2 a GOAWAY tells the
 * client to open a new connection for further streams, and the streams in flight finish. Capping
 * requests per connection spreads long-lived clients across instances behind a balancer and bounds
 * per-connection state. One instance per listener, so one event loop: no synchronization.
 */
final class ConnectionLimits implements Handler<HttpServerRequest> {
  /**
   * How long the last response of a connection may still take before the connection is closed
   * anyway: long, since it may be a stream; the timer is dropped when the connection closes.
   */
  static final long LAST_RESPONSE_GRACE_HOURS = 24;

  private final Handler<HttpServerRequest> next;
  private final int maxRequests;
  private final Map<HttpConnection, int[]> served = new IdentityHashMap<>();

  ConnectionLimits(Handler<HttpServerRequest> next, int maxRequests) {
    this.next = next;
    this.maxRequests = maxRequests;
  }

  /** Registers a new client connection (from the listener's connection handler). */
  void connected(HttpConnection connection) {
    served.put(connection, new int[1]);
  }

  /** Forgets a closed connection (the listener owns the connection's one close handler). */
  void closed(HttpConnection connection) {
    served.remove(connection);
  }

  @Override
  public void handle(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    int[] count = served.get(connection);
    // An upgrade (WebSocket) turns the connection into a tunnel: the limit acts on the next request.
    if (count != null && ++count[0] >= maxRequests && !request.headers().contains(HttpHeaders.UPGRADE)) {
      if (request.version() != HttpVersion.HTTP_2) {
        request.response().headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      }
      connection.shutdown(LAST_RESPONSE_GRACE_HOURS, TimeUnit.HOURS);
      count[0] = Integer.MIN_VALUE; // once per connection
    }
    next.handle(request);
  }
}
