package io.datapunk.nexus.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;

/**
 * One request and its response on a connection of {@link H1Client}: the request head goes out with
 * the first write (or {@code end}), body chunks as they come; the response head completes
 * {@link #response()}, its body chunks are handed on as they are decoded, held back while paused
 * (the connection stops reading then). Lives on the connection's event loop.
 */
final class H1Stream implements UpstreamRequest {
  private static final Future<Void> DONE = Future.succeededFuture();

  private final H1Connection connection;
  private final Channel channel;
  private final ContextInternal context;
  private final HttpMethod method;
  private final String uri;
  private final HeadersMultiMap headers = HeadersMultiMap.httpHeaders();
  private final PromiseInternal<UpstreamResponse> response;
  private final Answer answer = new Answer();
  private boolean headSent;
  private boolean requestEnded;
  private boolean chunked;
  private Handler<Void> drainHandler;

  private HttpResponse head;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private ArrayDeque<Buffer> held;
  private long demand = Long.MAX_VALUE;
  private boolean interim;
  private boolean lastReceived;
  private boolean ended;
  private boolean failed;

  H1Stream(H1Connection connection, ContextInternal context, HttpMethod method, String uri) {
    this.connection = connection;
    this.channel = connection.channel();
    this.context = context;
    this.method = method;
    this.uri = uri;
    this.response = context.promise();
  }

  // ---- the request ----

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public void setChunked() {
    chunked = true;
  }

  private void sendHead() {
    prepareHead();
    channel.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method.toNetty(), uri, headers), channel.voidPromise());
  }

  private void prepareHead() {
    headSent = true;
    if (!headers.contains(HttpHeaders.HOST)) {
      headers.set(HttpHeaders.HOST, connection.authority());
    }
    if (chunked) {
      headers.set(HttpHeaders.TRANSFER_ENCODING, HttpHeaders.CHUNKED);
    }
    if (!connection.keepAlive()) {
      headers.set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (failed || requestEnded) {
      return Future.failedFuture(new HttpClosedException("The request was reset"));
    }
    if (!headSent) {
      sendHead();
    }
    ByteBuf buf = ((BufferInternal) data).getByteBuf();
    PromiseInternal<Void> done = context.promise();
    channel.writeAndFlush(new DefaultHttpContent(buf)).addListener(done);
    return done.future();
  }

  @Override
  public Future<Void> end() {
    return end(null);
  }

  @Override
  public Future<Void> end(Buffer last) {
    if (failed || requestEnded) {
      return Future.failedFuture(new HttpClosedException("The request was reset"));
    }
    requestEnded = true;
    ByteBuf content = last == null || last.length() == 0 ? Unpooled.EMPTY_BUFFER : ((BufferInternal) last).getByteBuf();
    if (!headSent) {
      // The whole request at once: the encoder writes head and a small body as one buffer, one send.
      prepareHead();
      channel.writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method.toNetty(), uri, content, headers,
          EmptyHttpHeaders.INSTANCE), channel.voidPromise());
    } else {
      channel.writeAndFlush(content.isReadable() ? new DefaultLastHttpContent(content)
          : LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
    }
    return DONE;
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    // Failures reach the proxy through the response future and its pipes.
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return !channel.isWritable();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  void writabilityChanged() {
    Handler<Void> h = drainHandler;
    if (h != null && channel.isWritable()) {
      h.handle(null);
    }
  }

  boolean requestEnded() {
    return requestEnded;
  }

  @Override
  public Future<UpstreamResponse> response() {
    return response.future();
  }

  @Override
  public void reset() {
    fail(new HttpClosedException("The request was reset"));
    connection.abandon(this);
  }

  // ---- the response ----

  /** A message decoded from the connection, for this stream. */
  void received(Object msg) {
    if (msg instanceof HttpResponse r) {
      if (r.status().code() < 200) {
        // 100 Continue and other interim answers (the decoder ends each with an empty last chunk):
        // the final one follows.
        interim = true;
        return;
      }
      head = r;
      response.tryComplete(answer);
    }
    if (interim && msg instanceof HttpContent c) {
      c.release();
      interim = !(msg instanceof LastHttpContent);
      return;
    }
    if (msg instanceof HttpContent c) {
      ByteBuf content = c.content();
      if (content.isReadable() && !failed) {
        deliver(BufferInternal.safeBuffer(content));
      } else {
        content.release();
      }
      if (msg instanceof LastHttpContent) {
        lastReceived = true;
        if (held == null || held.isEmpty()) {
          finish();
        }
      }
    }
  }

  /** Whether the connection may carry the next request after this response. */
  boolean keepAlive() {
    return head != null && HttpUtil.isKeepAlive(head);
  }

  private void deliver(Buffer chunk) {
    if (demand > 0 && (held == null || held.isEmpty())) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      Handler<Buffer> h = handler;
      if (h != null) {
        h.handle(chunk);
      }
    } else {
      if (held == null) {
        held = new ArrayDeque<>(4);
      }
      held.add(chunk);
      connection.stopReading();
    }
  }

  private void drainHeld() {
    while (held != null && !held.isEmpty() && demand > 0 && !failed) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      Buffer chunk = held.poll();
      Handler<Buffer> h = handler;
      if (h != null) {
        h.handle(chunk);
      }
    }
    if (held == null || held.isEmpty()) {
      if (lastReceived) {
        finish();
      } else if (demand > 0) {
        connection.startReading();
      }
    }
  }

  private void finish() {
    if (ended || failed) {
      return;
    }
    ended = true;
    connection.responseEnded(this);
    Handler<Void> h = endHandler;
    if (h != null) {
      h.handle(null);
    }
  }

  /** The connection failed or closed under this stream. */
  void fail(Throwable cause) {
    if (ended || failed) {
      return;
    }
    failed = true;
    held = null;
    if (!response.tryFail(cause)) {
      Handler<Throwable> h = exceptionHandler;
      if (h != null) {
        h.handle(cause);
      }
    }
  }

  /** The response side of the stream. */
  private final class Answer implements UpstreamResponse {
    @Override
    public int statusCode() {
      return head.status().code();
    }

    @Override
    public String statusMessage() {
      return head.status().reasonPhrase();
    }

    @Override
    public MultiMap headers() {
      return (MultiMap) head.headers();
    }

    @Override
    public Future<Void> discard() {
      PromiseInternal<Void> done = context.promise();
      handler = b -> { };
      exceptionHandler = done::tryFail;
      endHandler = v -> done.tryComplete();
      demand = Long.MAX_VALUE;
      if (ended) {
        done.tryComplete();
      } else if (failed) {
        done.tryFail(new HttpClosedException("The response broke off"));
      } else {
        drainHeld();
      }
      return done.future();
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      H1Stream.this.exceptionHandler = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      H1Stream.this.handler = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      demand = 0;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      if (amount > 0) {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        drainHeld();
      }
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      H1Stream.this.endHandler = endHandler;
      return this;
    }
  }
}
