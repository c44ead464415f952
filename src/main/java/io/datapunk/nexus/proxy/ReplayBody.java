package io.datapunk.nexus.proxy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;

/**
 * A request body read ahead so that a retry can send it again. Reading stops at the end of the body
 * (then it is {@linkplain #complete() complete} and replayable as often as needed) or once more than
 * the limit has arrived: then the bytes read so far are sent first and the rest is streamed from the
 * client, and a request that was sent that way is never retried (it could only be resent truncated).
 */
final class ReplayBody {
  private final HttpServerRequest request;
  private final ReadStream<Buffer> stream;
  private final long limit;
  private final Buffer bytes;
  private boolean complete;
  private boolean settled;
  private Handler<AsyncResult<ReplayBody>> done;

  private ReplayBody(HttpServerRequest request, ReadStream<Buffer> stream, long limit, int initial) {
    this.request = request;
    this.stream = stream;
    this.limit = limit;
    this.bytes = Buffer.buffer(initial);
  }

  /** Reads the (paused) request body up to {@code limit}; completes when it ended or went past the limit. */
  static void read(HttpServerRequest request, ReadStream<Buffer> stream, long limit,
                   Handler<AsyncResult<ReplayBody>> done) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    int initial = (int) Math.min(limit, 256);
    if (length != null) {
      try {
        initial = (int) Math.min(limit, Math.max(0, Long.parseLong(length.trim())));
      } catch (NumberFormatException ignored) {
        // the server codec rejects such requests before they get here
      }
    }
    ReplayBody body = new ReplayBody(request, stream, limit, initial);
    body.done = done;
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      // The body is read before any service is asked, so the gateway lets the client go on.
      request.response().writeContinue();
    }
    stream.handler(body::onChunk);
    stream.exceptionHandler(body::onError);
    stream.endHandler(v -> body.onEnd());
    stream.resume();
  }

  private void onChunk(Buffer chunk) {
    bytes.appendBuffer(chunk);
    if (!settled && bytes.length() > limit) {
      stream.pause();
      settle(null);
    }
  }

  private void onEnd() {
    complete = true;
    settle(null);
  }

  private void onError(Throwable t) {
    settle(t);
  }

  private void settle(Throwable failure) {
    if (settled) {
      return;
    }
    settled = true;
    stream.handler(null);
    stream.exceptionHandler(null);
    stream.endHandler(null);
    done.handle(failure == null ? Future.succeededFuture(this) : Future.failedFuture(failure));
  }

  /** Whether the whole body is held (it ended within the limit). */
  boolean complete() {
    return complete;
  }

  /** The bytes held: the whole body when complete, otherwise its beginning. */
  Buffer bytes() {
    return bytes;
  }
}
