package io.datapunk.nexus.compress;

import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import com.github.luben.zstd.ZstdInputStream;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each coding, fed in chunks, yields a stream the standard decoders restore byte for byte. */
class BodyEncoderTest {
  @ParameterizedTest
  @EnumSource(ContentCoding.class)
  void chunkedBodiesRoundTrip(ContentCoding coding) throws Exception {
    assertThat(coding.available()).isTrue();
    byte[] original = sample(200_000);
    for (int run = 0; run < 3; run++) { // pooled gzip deflaters must come back clean
      BodyEncoder encoder = coding.newEncoder(1);
      Buffer out = Buffer.buffer();
      int off = 0;
      Random sizes = new Random(run);
      while (off < original.length) {
        int n = Math.min(original.length - off, 1 + sizes.nextInt(20_000));
        Buffer piece = encoder.encode(Buffer.buffer().appendBytes(original, off, n));
        // Flushed per chunk: every chunk produces output at once.
        assertThat(piece.length()).isPositive();
        out.appendBuffer(piece);
        off += n;
      }
      out.appendBuffer(encoder.finish());
      encoder.release();
      assertThat(out.length()).isLessThan(original.length / 2);
      assertThat(decode(coding, out.getBytes())).isEqualTo(original);
    }
  }

  @ParameterizedTest
  @EnumSource(ContentCoding.class)
  void releaseWithoutFinishIsSafe(ContentCoding coding) {
    BodyEncoder encoder = coding.newEncoder(1);
    encoder.encode(Buffer.buffer("partial body"));
    encoder.release();
    encoder.release();
  }

  static byte[] decode(ContentCoding coding, byte[] data) throws Exception {
    try (InputStream in = switch (coding) {
      case GZIP -> new GZIPInputStream(new ByteArrayInputStream(data));
      case BROTLI -> new BrotliInputStream(new ByteArrayInputStream(data));
      case ZSTD -> new ZstdInputStream(new ByteArrayInputStream(data));
    }) {
      return in.readAllBytes();
    }
  }

  /** JSON-like text: compressible, not trivially. */
  static byte[] sample(int size) {
    StringBuilder b = new StringBuilder(size + 100).append('[');
    Random r = new Random(7);
    while (b.length() < size) {
      b.append("{\"id\":").append(r.nextInt(100_000)).append(",\"name\":\"item-").append(r.nextInt(1000))
          .append("\",\"tags\":[\"a\",\"b\"],\"score\":").append(r.nextDouble()).append("},");
    }
    return b.substring(0, size).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
