package io.datapunk.nexus.compress;

import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip (RFC 1952) over the JDK's zlib. Deflaters are pooled per event loop: creating one allocates
 * and clears about 256 KiB of native memory, which costs more than compressing a small body.
 */
final class GzipEncoder implements BodyEncoder {
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
  /** Idle deflaters kept per event loop; more in use at once are created and ended as needed. */
  private static final int POOL_SIZE = 8;
  private static final FastThreadLocal<ArrayDeque<Deflater>> POOL = new FastThreadLocal<>() {
    @Override
    protected ArrayDeque<Deflater> initialValue() {
      return new ArrayDeque<>(POOL_SIZE);
    }
  };
  private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[32 * 1024];
    }
  };

  private final CRC32 crc = new CRC32();
  private Deflater deflater;
  private boolean headerWritten;
  private long size;

  GzipEncoder(int level) {
    Deflater d = POOL.get().poll();
    if (d == null) {
      d = new Deflater(level, true);
    } else {
      d.setLevel(level);
    }
    this.deflater = d;
  }

  @Override
  public Buffer encode(Buffer chunk) {
    Buffer out = Buffer.buffer(chunk.length() / 4 + 32);
    writeHeader(out);
    byte[] in = chunk.getBytes();
    crc.update(in, 0, in.length);
    size += in.length;
    deflater.setInput(in);
    drain(out, Deflater.SYNC_FLUSH);
    return out;
  }

  @Override
  public Buffer finish() {
    Buffer out = Buffer.buffer(64);
    writeHeader(out);
    deflater.finish();
    while (!deflater.finished()) {
      drain(out, Deflater.NO_FLUSH);
    }
    out.appendIntLE((int) crc.getValue()).appendIntLE((int) size);
    release();
    return out;
  }

  @Override
  public void release() {
    Deflater d = deflater;
    if (d == null) {
      return;
    }
    deflater = null;
    d.reset();
    ArrayDeque<Deflater> pool = POOL.get();
    if (pool.size() < POOL_SIZE) {
      pool.push(d);
    } else {
      d.end();
    }
  }

  private void writeHeader(Buffer out) {
    if (!headerWritten) {
      headerWritten = true;
      out.appendBytes(HEADER);
    }
  }

  /** Deflates until zlib has no more output for this flush mode (a full scratch buffer means more). */
  private void drain(Buffer out, int flush) {
    byte[] scratch = SCRATCH.get();
    int n;
    do {
      n = deflater.deflate(scratch, 0, scratch.length, flush);
      if (n > 0) {
        out.appendBytes(scratch, 0, n);
      }
    } while (n == scratch.length);
  }
}
