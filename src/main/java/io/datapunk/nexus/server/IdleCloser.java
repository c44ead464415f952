package io.datapunk.nexus.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;

/**
 * The client connection's idle timeout ({@code server.idle_timeout}), in place of the
 * {@link IdleStateHandler} Vert.x puts on each connection.
 *
 * <p>Netty's handler reads the clock on every read batch and hangs a listener on every write (which
 * also turns Vert.x's void write promises into real ones), a few percent of the proxy's CPU per
 * request. This one only flags activity on reads and writes; a check every quarter of the timeout
 * looks at the flag. A connection with no read or write for four checks in a row gets the same
 * {@link IdleStateEvent} Netty's handler fires, and Vert.x closes it as before: between 1 and 1.25
 * times the timeout after its last activity.
 */
final class IdleCloser extends ChannelDuplexHandler {
  static final String NAME = "idle";
  static final int CHECKS = 4;

  private final long intervalNanos;
  private boolean active;
  private int quietChecks;
  private ScheduledFuture<?> check;

  IdleCloser(long timeoutNanos) {
    this.intervalNanos = Math.max(1, timeoutNanos / CHECKS);
  }

  /**
   * Puts an idle closer in place of the connection's Netty idle handler (a connection without one,
   * or not a Vert.x connection, is left alone). Runs on the connection's event loop as it is set up.
   */
  static void replace(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandler current = pipeline.get(NAME);
    if (current instanceof IdleStateHandler netty) {
      long timeout = netty.getAllIdleTimeInMillis();
      if (timeout > 0 && netty.getReaderIdleTimeInMillis() == 0 && netty.getWriterIdleTimeInMillis() == 0) {
        pipeline.replace(NAME, NAME, new IdleCloser(TimeUnit.MILLISECONDS.toNanos(timeout)));
      }
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    schedule(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    active = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    active = true;
    ctx.write(msg, promise);
  }

  private void schedule(ChannelHandlerContext ctx) {
    if (ctx.channel().isOpen()) {
      check = ctx.executor().schedule(() -> tick(ctx), intervalNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void tick(ChannelHandlerContext ctx) {
    check = null;
    if (!ctx.channel().isOpen() || ctx.isRemoved()) {
      return;
    }
    if (active) {
      active = false;
      quietChecks = 0;
    } else if (++quietChecks >= CHECKS) {
      ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
      return;
    }
    schedule(ctx);
  }

  private void cancel() {
    if (check != null) {
      check.cancel(false);
      check = null;
    }
  }
}
