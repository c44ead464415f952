package io.datapunk.nexus.proxy;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/** An {@link UpstreamRequest} over Vert.x's HTTP client: the pools of HTTPS and HTTP/2 services. */
final class VertxUpstreamRequest implements UpstreamRequest {
  private final HttpClientRequest request;

  VertxUpstreamRequest(HttpClientRequest request) {
    this.request = request;
    // Failures arrive through the response future and the pipe; without a handler Vert.x would log
    // every reset at ERROR (a client resetting streams on purpose could flood the log).
    request.exceptionHandler(e -> { });
  }

  @Override
  public MultiMap headers() {
    return request.headers();
  }

  @Override
  public void setChunked() {
    request.setChunked(true);
  }

  @Override
  public Future<Void> end(Buffer last) {
    return request.end(last);
  }

  @Override
  public Future<UpstreamResponse> response() {
    return request.response().map(Response::new);
  }

  @Override
  public void reset() {
    request.reset();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    request.exceptionHandler(handler);
    return this;
  }

  @Override
  public Future<Void> write(Buffer data) {
    return request.write(data);
  }

  @Override
  public Future<Void> end() {
    return request.end();
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    request.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return request.writeQueueFull();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    request.drainHandler(handler);
    return this;
  }

  private record Response(HttpClientResponse response) implements UpstreamResponse {
    @Override
    public int statusCode() {
      return response.statusCode();
    }

    @Override
    public String statusMessage() {
      return response.statusMessage();
    }

    @Override
    public MultiMap headers() {
      return response.headers();
    }

    @Override
    public String getHeader(CharSequence name) {
      return response.getHeader(name);
    }

    @Override
    public Future<Void> discard() {
      response.handler(b -> { });
      response.exceptionHandler(e -> { });
      return response.end();
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      response.exceptionHandler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      response.handler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      response.pause();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      response.resume();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      response.fetch(amount);
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      response.endHandler(endHandler);
      return this;
    }
  }
}
