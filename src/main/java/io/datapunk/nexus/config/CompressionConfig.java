package io.datapunk.nexus.config;

import java.util.List;
import java.util.Locale;

/**
 * Response compression ({@code network_optimization.compression:}).
 *
 * @param enabled compress eligible responses (default true)
 * @param algorithm preferred coding when the client rates several equally (default gzip; gzip, br or zstd)
 * @param minSize smallest body compressed, in bytes, by its Content-Length (default 1024)
 * @param algorithms codings offered, in order of preference after {@code algorithm} (default gzip, br, zstd)
 * @param level compression level for every coding, 1 (fastest) to 9 (default 1: a gateway compresses for
 *     speed; gzip level 1 on JSON gives most of the size gain of level 6 at a fraction of the CPU)
 * @param contentTypes media types compressed: exact ({@code application/json}), a whole type
 *     ({@code text/*}) or a structured-syntax suffix ({@code application/*+json}); default {@link #DEFAULT_CONTENT_TYPES}
 */
public record CompressionConfig(boolean enabled, String algorithm, long minSize, List<String> algorithms, int level,
                                List<String> contentTypes) {
  public static final long DEFAULT_MIN_SIZE = 1024;
  public static final int DEFAULT_LEVEL = 1;
  public static final List<String> CODINGS = List.of("gzip", "br", "zstd");
  public static final List<String> DEFAULT_CONTENT_TYPES = List.of("text/html", "text/plain", "text/css", "text/csv",
      "text/xml", "text/javascript", "application/json", "application/*+json", "application/x-ndjson",
      "application/javascript", "application/xml", "application/*+xml", "image/svg+xml");

  public static CompressionConfig defaults() {
    return new CompressionConfig(true, "gzip", DEFAULT_MIN_SIZE, CODINGS, DEFAULT_LEVEL, DEFAULT_CONTENT_TYPES);
  }

  static CompressionConfig read(ConfigSection s) {
    boolean enabled = s.bool("enabled", true);
    String algorithm = s.oneOf("algorithm", "gzip", "gzip", "br", "zstd");
    long minSize = s.size("min_size", DEFAULT_MIN_SIZE, 0, 1L << 30);
    List<String> algorithms = CODINGS;
    if (s.has("algorithms")) {
      algorithms = s.stringList("algorithms");
      for (String a : algorithms) {
        if (!CODINGS.contains(a)) {
          s.error("algorithms", a, "a list of gzip, br, zstd");
        }
      }
      if (algorithms.isEmpty()) {
        s.error("algorithms", "[]", "at least one of gzip, br, zstd");
      } else if (!algorithms.contains(algorithm)) {
        s.error("algorithm", algorithm, "one of algorithms " + algorithms);
      }
    } else {
      s.accept("algorithms");
    }
    int level = s.integer("level", DEFAULT_LEVEL, 1, 9);
    List<String> types = DEFAULT_CONTENT_TYPES;
    if (s.has("content_types")) {
      types = s.stringList("content_types").stream().map(t -> t.trim().toLowerCase(Locale.ROOT)).toList();
      for (String t : types) {
        if (!isMediaPattern(t)) {
          s.error("content_types", t, "media types such as application/json, text/* or application/*+json");
        } else if (t.equals("text/event-stream")) {
          s.error("content_types", t, "no text/event-stream: server-sent events are never compressed");
        }
      }
    } else {
      s.accept("content_types");
    }
    s.finish();
    return new CompressionConfig(enabled, algorithm, minSize, List.copyOf(algorithms), level, List.copyOf(types));
  }

  private static boolean isMediaPattern(String t) {
    int slash = t.indexOf('/');
    if (slash <= 0 || slash == t.length() - 1 || t.indexOf('/', slash + 1) >= 0) {
      return false;
    }
    String type = t.substring(0, slash);
    String sub = t.substring(slash + 1);
    if (!HeaderNames.isToken(type) || type.equals("*")) {
      return false;
    }
    return sub.equals("*") || (sub.startsWith("*+") && sub.length() > 2 && HeaderNames.isToken(sub.substring(2)))
        || (HeaderNames.isToken(sub) && !sub.contains("*"));
  }
}
