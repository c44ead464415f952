package io.datapunk.nexus.compress;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import io.vertx.core.http.HttpHeaders;
import java.util.Locale;

/** A content coding the gateway can produce, with its {@code Content-Encoding} token. */
enum ContentCoding {
  GZIP("gzip"),
  BROTLI("br"),
  ZSTD("zstd");

  final String token;
  final CharSequence header;

  ContentCoding(String token) {
    this.token = token;
    this.header = HttpHeaders.createOptimized(token);
  }

  /** The coding named by a config or header token ({@code x-gzip} counts as gzip), or null. */
  static ContentCoding of(String token) {
    return switch (token.toLowerCase(Locale.ROOT)) {
      case "gzip", "x-gzip" -> GZIP;
      case "br" -> BROTLI;
      case "zstd" -> ZSTD;
      default -> null;
    };
  }

  /** Whether the native library this coding needs loaded on this platform (gzip needs none). */
  boolean available() {
    try {
      return switch (this) {
        case GZIP -> true;
        case BROTLI -> Brotli4jLoader.isAvailable();
        case ZSTD -> {
          com.github.luben.zstd.util.Native.load();
          yield com.github.luben.zstd.util.Native.isLoaded();
        }
      };
    } catch (Throwable e) {
      return false;
    }
  }

  BodyEncoder newEncoder(int level) {
    return switch (this) {
      case GZIP -> new GzipEncoder(level);
      case BROTLI -> StreamEncoder.brotli(level);
      case ZSTD -> StreamEncoder.zstd(level);
    };
  }
}
