package io.datapunk.nexus.config;

/**
 * Response compression ({@code network_optimization.compression:}).
 *
 * @param enabled compress eligible responses (default true)
 * @param algorithm preferred algorithm (default gzip)
 * @param minSize smallest body compressed, in bytes (default 1024)
 */
public record CompressionConfig(boolean enabled, String algorithm, long minSize) {
  public static final long DEFAULT_MIN_SIZE = 1024;

  public static CompressionConfig defaults() {
    return new CompressionConfig(true, "gzip", DEFAULT_MIN_SIZE);
  }

  static CompressionConfig read(ConfigSection s) {
    CompressionConfig c = new CompressionConfig(s.bool("enabled", true), s.oneOf("algorithm", "gzip", "gzip"),
        s.size("min_size", DEFAULT_MIN_SIZE, 0, 1L << 30));
    s.finish();
    return c;
  }
}
