package io.datapunk.nexus.observability;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes JSON straight into a byte buffer (UTF-8), flushed to the log's stream in large writes: no
 * intermediate String, no char encoder. Used only by the {@link LogWriter} thread.
 */
public final class JsonOut {
  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private final OutputStream stream;
  private byte[] buf = new byte[64 * 1024];
  private int len;
  private long cachedSecond = Long.MIN_VALUE;
  private final byte[] timePrefix = new byte[20]; // 2025-01-31T12:00:00.

  JsonOut(OutputStream stream) {
    this.stream = stream;
  }

  private void room(int n) throws IOException {
    if (len + n <= buf.length) {
      return;
    }
    flush();
    if (n > buf.length) {
      buf = new byte[Math.max(n, buf.length * 2)];
    }
  }

  /** Appends ASCII text as is (field names and punctuation written by the gateway itself). */
  public JsonOut raw(String ascii) throws IOException {
    int n = ascii.length();
    room(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) ascii.charAt(i);
    }
    return this;
  }

  /** Appends a quoted, escaped JSON string, or {@code null}. */
  public JsonOut string(String s) throws IOException {
    if (s == null) {
      room(4);
      System.arraycopy(NULL, 0, buf, len, 4);
      len += 4;
      return this;
    }
    int n = s.length();
    room(n * 6 + 2);
    byte[] b = buf;
    int at = len;
    b[at++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        b[at++] = (byte) c;
      } else if (c == '"' || c == '\\') {
        b[at++] = '\\';
        b[at++] = (byte) c;
      } else if (c == '\n') {
        b[at++] = '\\';
        b[at++] = 'n';
      } else if (c == '\r') {
        b[at++] = '\\';
        b[at++] = 'r';
      } else if (c == '\t') {
        b[at++] = '\\';
        b[at++] = 't';
      } else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029
          || (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))))) {
        // Control characters, line separators and lone surrogates as \\u escapes.
        b[at++] = '\\';
        b[at++] = 'u';
        b[at++] = HEX[(c >> 12) & 0xf];
        b[at++] = HEX[(c >> 8) & 0xf];
        b[at++] = HEX[(c >> 4) & 0xf];
        b[at++] = HEX[c & 0xf];
      } else if (c < 0x800) {
        b[at++] = (byte) (0xc0 | (c >> 6));
        b[at++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[at++] = (byte) (0xf0 | (cp >> 18));
        b[at++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[at++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[at++] = (byte) (0x80 | (cp & 0x3f));
      } else {
        b[at++] = (byte) (0xe0 | (c >> 12));
        b[at++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[at++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    b[at++] = '"';
    len = at;
    return this;
  }

  /** Appends a decimal integer. */
  public JsonOut number(long v) throws IOException {
    room(20);
    if (v == Long.MIN_VALUE) {
      return raw(Long.toString(v));
    }
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int start = len;
    do {
      buf[len++] = (byte) ('0' + (v % 10));
      v /= 10;
    } while (v != 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
    return this;
  }

  public JsonOut bool(boolean v) throws IOException {
    return raw(v ? "true" : "false");
  }

  /** Appends nanoseconds as milliseconds with microsecond precision ({@code 1.234}), or {@code null} when negative. */
  public JsonOut millis(long nanos) throws IOException {
    if (nanos < 0) {
      return raw("null");
    }
    long micros = nanos / 1000;
    number(micros / 1000);
    room(4);
    buf[len++] = '.';
    long frac = micros % 1000;
    buf[len++] = (byte) ('0' + frac / 100);
    buf[len++] = (byte) ('0' + frac / 10 % 10);
    buf[len++] = (byte) ('0' + frac % 10);
    return this;
  }

  /** Appends an epoch-millisecond time as ISO-8601 UTC text without quotes ({@code 2025-01-31T12:00:00.123Z}). */
  public JsonOut time(long epochMillis) throws IOException {
    long second = Math.floorDiv(epochMillis, 1000);
    if (second != cachedSecond) {
      String full = java.time.Instant.ofEpochSecond(second).toString(); // 2025-01-31T12:00:00Z
      if (full.length() != 20) {
        // Years past 9999 or before 0: rare enough to format in full.
        return raw(java.time.Instant.ofEpochMilli(epochMillis).toString());
      }
      for (int i = 0; i < 19; i++) {
        timePrefix[i] = (byte) full.charAt(i);
      }
      timePrefix[19] = '.';
      cachedSecond = second;
    }
    room(24);
    System.arraycopy(timePrefix, 0, buf, len, 20);
    len += 20;
    int ms = (int) Math.floorMod(epochMillis, 1000);
    buf[len++] = (byte) ('0' + ms / 100);
    buf[len++] = (byte) ('0' + ms / 10 % 10);
    buf[len++] = (byte) ('0' + ms % 10);
    buf[len++] = 'Z';
    return this;
  }

  int mark() {
    return len;
  }

  /** Drops what was appended since {@code mark} (a line that failed half-way). */
  void reset(int mark) {
    if (mark <= len) {
      len = mark;
    }
  }

  /** Writes the buffer to the stream. */
  void flush() throws IOException {
    if (len > 0) {
      stream.write(buf, 0, len);
      len = 0;
    }
    stream.flush();
  }

  /** The buffer's content as text (tests). */
  String peek() {
    return new String(buf, 0, len, java.nio.charset.StandardCharsets.UTF_8);
  }
}
