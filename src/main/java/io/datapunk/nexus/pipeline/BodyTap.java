package io.datapunk.nexus.pipeline;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Sees a proxied response body as it streams to the client, chunk by chunk, and may replace it (the
 * cache stores what it sees, or answers from a stored body). Set per exchange with
 * {@link Exchange#bodyTap(BodyTap)} in {@link Filter#onRequest} or {@link Filter#onResponse}; the
 * proxy reads it after the filters' {@code onResponse}. Exchanges without one pay nothing. Called on
 * the exchange's event loop.
 */
public interface BodyTap {
  /** A chunk from the service; returns what the client gets instead (usually {@code chunk}), or null for nothing. */
  Buffer chunk(Buffer chunk);

  /** The service's body ended; returns a last chunk for the client, or null. */
  Buffer end();

  /** The body broke off before its end; told at most once, and never after {@link #end()}. */
  void failed();

  /** The body as the proxy should pipe it: {@code body} itself when no tap is set. */
  static ReadStream<Buffer> wrap(ReadStream<Buffer> body, BodyTap tap) {
    return tap == null ? body : new TappedBody(body, tap);
  }
}
