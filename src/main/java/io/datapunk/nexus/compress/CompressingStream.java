package io.datapunk.nexus.compress;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.WriteStream;

/**
 * A response body stream that compresses what is written to it and passes it on to the client at
 * once; back-pressure is the response's own. Closed by the exchange when it completes, however it
 * ends, so a reset never leaks the compressor's native memory.
 */
final class CompressingStream implements WriteStream<Buffer>, AutoCloseable {
  private final HttpServerResponse response;
  private final BodyEncoder encoder;

  CompressingStream(HttpServerResponse response, BodyEncoder encoder) {
    this.response = response;
    this.encoder = encoder;
  }

  @Override
  public Future<Void> write(Buffer data) {
    Buffer out;
    try {
      out = encoder.encode(data);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // An empty write would end a chunked HTTP/1.1 body early: skip it.
    return out.length() == 0 ? Future.succeededFuture() : response.write(out);
  }

  @Override
  public Future<Void> end() {
    Buffer last;
    try {
      last = encoder.finish();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return response.end(last);
  }

  @Override
  public Future<Void> end(Buffer data) {
    Future<Void> w = write(data);
    return w.failed() ? w : end();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    response.exceptionHandler(handler);
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    response.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
    return this;
  }

  @Override
  public void close() {
    encoder.release();
  }
}
