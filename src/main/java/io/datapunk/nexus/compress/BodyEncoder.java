package io.datapunk.nexus.compress;

import io.vertx.core.buffer.Buffer;

/**
 * Compresses one response body chunk by chunk. Every chunk's output is flushed at once, so a body
 * that arrives slowly reaches the client as it arrives (no compression buffering delay); the
 * compressor keeps its dictionary across flushes, so the ratio barely suffers.
 */
interface BodyEncoder {
  /** The compressed, flushed form of {@code chunk} (possibly empty). */
  Buffer encode(Buffer chunk);

  /** The end of the compressed body; releases the encoder. */
  Buffer finish();

  /** Releases native state; safe to call more than once, and after {@link #finish()}. */
  void release();
}
