package io.datapunk.nexus.validation;

import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;

/**
 * A chunked request body as the upstream call reads it: stops with a 413 {@link RequestBodyException}
 * once more than the limit has arrived, and turns any decoding failure of the client's framing (an
 * invalid chunk size, for instance) into a 400 one, so neither is reported as a service failure.
 */
final class LimitedBody implements ReadStream<Buffer> {
  private final HttpServerRequest request;
  private final long limit;
  private long received;
  private boolean failed;
  private Handler<Throwable> exceptionHandler;

  LimitedBody(HttpServerRequest request, long limit) {
    this.request = request;
    this.limit = limit;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    exceptionHandler = handler;
    request.exceptionHandler(handler == null ? null : e -> fail(GatewayError.VALIDATION));
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      request.handler(null);
      return this;
    }
    request.handler(chunk -> {
      if (failed) {
        return;
      }
      received += chunk.length();
      if (received > limit) {
        fail(GatewayError.BODY_TOO_LARGE);
      } else {
        handler.handle(chunk);
      }
    });
    return this;
  }

  private void fail(GatewayError error) {
    if (failed) {
      return;
    }
    failed = true;
    request.pause();
    Handler<Throwable> h = exceptionHandler;
    if (h != null) {
      h.handle(new RequestBodyException(error));
    }
  }

  @Override
  public ReadStream<Buffer> pause() {
    request.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    if (!failed) {
      request.resume();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    if (!failed) {
      request.fetch(amount);
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    request.endHandler(endHandler == null ? null : v -> {
      if (Http1Guard.bodyFramingFailed(request)) {
        fail(GatewayError.VALIDATION);
      } else if (!failed) {
        endHandler.handle(v);
      }
    });
    return this;
  }
}
