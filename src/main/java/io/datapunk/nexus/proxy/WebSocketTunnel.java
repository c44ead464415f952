package io.datapunk.nexus.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;

/**
 * The bytes of an upgraded connection (a WebSocket), relayed both ways unchanged with
 * back-pressure: when one side's writes queue up, reading from the other pauses until they drain.
 * Either side closing closes the other. No byte either way for the route's {@code idle_timeout}
 * closes both (the ends see the connection drop); a socket with traffic is never cut.
 */
final class WebSocketTunnel {
  private final Vertx vertx;
  private final NetSocket client;
  private final NetSocket service;
  private final long idleTimeoutMillis;
  private final Runnable onDone;
  private long lastActivity;
  private long timerId = -1;
  private int open = 2;

  WebSocketTunnel(Vertx vertx, NetSocket client, NetSocket service, long idleTimeoutMillis, Runnable onDone) {
    this.vertx = vertx;
    this.client = client;
    this.service = service;
    this.idleTimeoutMillis = idleTimeoutMillis;
    this.onDone = onDone;
  }

  void start() {
    lastActivity = System.nanoTime();
    relay(client, service);
    relay(service, client);
    timerId = vertx.setTimer(idleTimeoutMillis, this::checkIdle);
  }

  private void relay(NetSocket from, NetSocket to) {
    from.handler(data -> {
      lastActivity = System.nanoTime();
      to.write(data);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.endHandler(v -> to.end());
    from.exceptionHandler(e -> from.close());
    from.closeHandler(v -> {
      to.close();
      if (--open == 0) {
        vertx.cancelTimer(timerId);
        onDone.run();
      }
    });
  }

  private void checkIdle(long id) {
    if (open < 2) {
      return;
    }
    long idleNanos = System.nanoTime() - lastActivity;
    long limitNanos = idleTimeoutMillis * 1_000_000L;
    if (idleNanos >= limitNanos) {
      client.close();
      service.close();
      return;
    }
    timerId = vertx.setTimer(Math.max(1, (limitNanos - idleNanos) / 1_000_000L), this::checkIdle);
  }
}
