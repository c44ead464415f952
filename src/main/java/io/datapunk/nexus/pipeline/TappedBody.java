package io.datapunk.nexus.pipeline;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** A response body stream passed through a {@link BodyTap}; flow control goes straight to the source. */
final class TappedBody implements ReadStream<Buffer> {
  private final ReadStream<Buffer> source;
  private final BodyTap tap;
  private Handler<Buffer> data;
  private boolean finished;

  TappedBody(ReadStream<Buffer> source, BodyTap tap) {
    this.source = source;
    this.tap = tap;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(e -> {
      if (!finished) {
        finished = true;
        tap.failed();
      }
      if (handler != null) {
        handler.handle(e);
      }
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    data = handler;
    source.handler(handler == null ? null : chunk -> {
      Buffer out = tap.chunk(chunk);
      if (out != null) {
        handler.handle(out);
      }
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> handler) {
    source.endHandler(handler == null ? null : v -> {
      if (!finished) {
        finished = true;
        Buffer last = tap.end();
        if (last != null && data != null) {
          data.handle(last);
        }
      }
      handler.handle(v);
    });
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }
}
