package io.datapunk.nexus.compress;

import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * brotli (brotli4j) and zstd (zstd-jni) through their streaming encoders: one stream per body, each
 * chunk written and flushed, the native state freed on finish or release.
 */
final class StreamEncoder implements BodyEncoder {
  /**
   * 256 KiB windows for both: the memory a compressed response in flight holds stays small, and
   * API bodies rarely gain from longer matches.
   */
  private static final int WINDOW_LOG = 18;

  private final Sink sink;
  private OutputStream out;

  private StreamEncoder(Sink sink, OutputStream out) {
    this.sink = sink;
    this.out = out;
  }

  static StreamEncoder brotli(int level) {
    Sink sink = new Sink();
    try {
      Encoder.Parameters p = new Encoder.Parameters().setQuality(level).setWindow(WINDOW_LOG);
      return new StreamEncoder(sink, new BrotliOutputStream(sink, p, 16 * 1024));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static StreamEncoder zstd(int level) {
    Sink sink = new Sink();
    try {
      ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(sink, RecyclingBufferPool.INSTANCE, level);
      z.setWindowLog(WINDOW_LOG);
      return new StreamEncoder(sink, z);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Buffer encode(Buffer chunk) {
    try {
      out.write(chunk.getBytes());
      out.flush();
    } catch (IOException e) {
      release();
      throw new UncheckedIOException(e);
    }
    return sink.take();
  }

  @Override
  public Buffer finish() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      out = null;
    }
    return sink.take();
  }

  @Override
  public void release() {
    OutputStream o = out;
    if (o == null) {
      return;
    }
    out = null;
    try {
      o.close();
    } catch (IOException | RuntimeException e) {
      // The body was abandoned; only the native state matters, and close frees it.
    }
  }

  /** Collects the compressor's output between flushes. */
  private static final class Sink extends ByteArrayOutputStream {
    Sink() {
      super(1024);
    }

    Buffer take() {
      Buffer b = Buffer.buffer(Arrays.copyOf(buf, count));
      reset();
      return b;
    }
  }
}
