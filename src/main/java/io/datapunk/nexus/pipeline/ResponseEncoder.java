package io.datapunk.nexus.pipeline;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * The last response-side step: once a response head is final (after the filters' {@code onResponse}),
 * chooses how its body reaches the client, for example compressed. Whoever writes a response body
 * (the proxy, a cache hit) writes it to {@link Exchange#responseBody()}, never straight to the
 * response, so the step applies to all.
 */
public interface ResponseEncoder {
  /** Writes bodies unchanged. */
  ResponseEncoder IDENTITY = exchange -> exchange.request().response();

  /**
   * May edit the response head (Content-Encoding, Vary, Content-Length) and returns the stream the
   * body is to be written to. A returned stream that is also {@link AutoCloseable} is closed when the
   * exchange completes, however it ends (to release compressor state on a reset).
   */
  WriteStream<Buffer> open(Exchange exchange);
}
