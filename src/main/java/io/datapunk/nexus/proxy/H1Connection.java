package io.datapunk.nexus.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.ContextInternal;

/**
 * One keep-alive connection of {@link H1Client} to a service instance: it carries one
 * {@link H1Stream} at a time and goes back to its pool when both the request and the response have
 * ended and both sides allow reuse. Data that arrives with no request in flight, a decoding error or
 * a close ends the connection. Lives on one event loop.
 */
final class H1Connection extends ChannelInboundHandlerAdapter {
  /** Response headers decode straight into Vert.x's header map, which the proxy copies from. */
  private static final HttpHeadersFactory HEADERS = new HttpHeadersFactory() {
    @Override
    public HttpHeaders newHeaders() {
      return HeadersMultiMap.httpHeaders();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
      return HeadersMultiMap.httpHeaders();
    }
  };

  private final H1Client.LoopPool pool;
  private final Channel channel;
  private final boolean keepAlive;
  private final String authority;
  private final Decoder decoder;
  private H1Stream current;
  private boolean responseDone;
  private boolean closed;
  /** When the connection last went idle (nanoTime), for the pool's idle timeout. */
  long idleSince;

  H1Connection(H1Client.LoopPool pool, Channel channel, boolean keepAlive, String authority) {
    this.pool = pool;
    this.channel = channel;
    this.keepAlive = keepAlive;
    this.authority = authority;
    this.decoder = new Decoder(new HttpDecoderConfig()
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(UpstreamPool.MAX_UPSTREAM_HEADER_SIZE)
        .setMaxChunkSize(UpstreamPool.MAX_CHUNK_SIZE)
        .setHeadersFactory(HEADERS)
        .setTrailersFactory(HEADERS));
  }

  Decoder decoder() {
    return decoder;
  }

  Channel channel() {
    return channel;
  }

  boolean keepAlive() {
    return keepAlive;
  }

  /** The Host header for requests on this connection. */
  String authority() {
    return authority;
  }

  boolean isOpen() {
    return !closed && channel.isActive();
  }

  /** Starts a request on this (idle) connection. */
  H1Stream open(ContextInternal context, HttpMethod method, String uri) {
    H1Stream s = new H1Stream(this, context, method, uri);
    current = s;
    responseDone = false;
    decoder.head = method == HttpMethod.HEAD;
    startReading();
    return s;
  }

  void responseEnded(H1Stream s) {
    if (s != current) {
      return;
    }
    responseDone = true;
    if (keepAlive && s.keepAlive() && s.requestEnded()) {
      release();
    } else {
      // Not reusable: either side asked to close, or the service answered before the request body
      // ended (the rest of it is not sent; the proxy closes the client connection too).
      close();
    }
  }

  /** The stream was reset: the connection cannot be trusted any more. */
  void abandon(H1Stream s) {
    if (s == current) {
      close();
    }
  }

  private void release() {
    current = null;
    if (closed) {
      return;
    }
    pool.recycle(this);
  }

  void close() {
    if (!closed) {
      closed = true;
      channel.close();
    }
  }

  void stopReading() {
    channel.config().setAutoRead(false);
  }

  void startReading() {
    if (!channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
      channel.read();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    H1Stream s = current;
    if (s == null || responseDone) {
      // Bytes from the service with no request in flight: the connection is out of step.
      ReferenceCountUtil.release(msg);
      close();
      return;
    }
    s.received(msg);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    H1Stream s = current;
    if (s != null) {
      s.writabilityChanged();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    H1Stream s = current;
    current = null;
    if (s != null) {
      s.fail(new HttpClosedException("Connection was closed"));
    }
    pool.closed(this);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    H1Stream s = current;
    if (s != null) {
      s.fail(cause);
    }
    close();
  }

  /** The response decoder; knows when the response to a HEAD request has no body whatever its headers say. */
  static final class Decoder extends HttpResponseDecoder {
    boolean head;

    Decoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      return head || super.isContentAlwaysEmpty(msg);
    }
  }
}
