package io.datapunk.nexus.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * One request to a service instance, on a pooled connection: its headers are filled in before the
 * first write or {@code end}, its body is written (or piped) with back-pressure, and its response
 * arrives once. Implemented by the gateway's own HTTP/1.1 client ({@link H1Client}) and, for HTTPS
 * and HTTP/2 services, over Vert.x's client ({@link VertxUpstreamRequest}). Used on one event loop.
 */
interface UpstreamRequest extends WriteStream<Buffer> {
  /** The request headers; changes after the head was sent are ignored. */
  MultiMap headers();

  /** Sends the body with chunked transfer coding (no Content-Length known). */
  void setChunked();

  /** Ends the request with a last body chunk. */
  Future<Void> end(Buffer last);

  /** The response head, or the failure that prevented it. */
  Future<UpstreamResponse> response();

  /** Abandons the request: its connection is closed, not reused; the response future fails if pending. */
  void reset();
}
