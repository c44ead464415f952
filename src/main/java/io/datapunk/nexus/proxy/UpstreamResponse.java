package io.datapunk.nexus.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** A service's response: its head, then its body as a stream with back-pressure (see {@link UpstreamRequest}). */
interface UpstreamResponse extends ReadStream<Buffer> {
  int statusCode();

  /** The reason phrase as the service sent it. */
  String statusMessage();

  MultiMap headers();

  default String getHeader(CharSequence name) {
    return headers().get(name);
  }

  /** Reads the rest of the body and drops it (so the connection can be reused); completes at its end. */
  Future<Void> discard();
}
