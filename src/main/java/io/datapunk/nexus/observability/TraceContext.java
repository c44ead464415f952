package io.datapunk.nexus.observability;

import io.vertx.core.http.HttpHeaders;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context of one exchange: the trace id (the client's when its {@code traceparent} is
 * valid, otherwise new), the caller's span id, and a new span id for the gateway's own span. The
 * upstream gets {@link #traceparent()}, so the service sees the same trace with the gateway as its
 * parent; {@code tracestate} passes through only with a valid {@code traceparent} (as the
 * specification asks).
 *
 * @param traceId 32 lowercase hex digits
 * @param parentId the caller's span id (16 hex digits), or null when the trace starts here
 * @param spanId the gateway's span id (16 hex digits)
 * @param flags the trace flags (2 hex digits): the caller's, or {@code 01} (sampled) for a new trace
 */
public record TraceContext(String traceId, String parentId, String spanId, String flags) {
  public static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");
  public static final CharSequence TRACESTATE = HttpHeaders.createOptimized("tracestate");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** The context for a request with this {@code traceparent} header value (null or invalid: a new trace). */
  public static TraceContext from(String traceparent) {
    if (traceparent != null && isValid(traceparent)) {
      return new TraceContext(traceparent.substring(3, 35), traceparent.substring(36, 52), newSpanId(),
          traceparent.substring(53, 55));
    }
    return new TraceContext(newTraceId(), null, newSpanId(), "01");
  }

  /** Whether the trace came from the caller (then its {@code tracestate} is kept). */
  public boolean continued() {
    return parentId != null;
  }

  /** The header value sent upstream: this trace, the gateway's span as parent. */
  public String traceparent() {
    return "00-" + traceId + '-' + spanId + '-' + flags;
  }

  /**
   * Version 00 is exactly {@code 00-<32 hex>-<16 hex>-<2 hex>}; a later version may append fields
   * after a dash. Version ff, all-zero ids and upper-case hex are invalid.
   */
  static boolean isValid(String h) {
    int n = h.length();
    if (n < 55 || h.charAt(2) != '-' || h.charAt(35) != '-' || h.charAt(52) != '-') {
      return false;
    }
    if (!hex(h, 0, 2) || (h.charAt(0) == 'f' && h.charAt(1) == 'f')) {
      return false;
    }
    boolean v00 = h.charAt(0) == '0' && h.charAt(1) == '0';
    if (v00 ? n != 55 : n > 55 && h.charAt(55) != '-') {
      return false;
    }
    return hex(h, 3, 35) && !zeros(h, 3, 35) && hex(h, 36, 52) && !zeros(h, 36, 52) && hex(h, 53, 55);
  }

  private static boolean hex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  static String newTraceId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long a;
    long b;
    do {
      a = r.nextLong();
      b = r.nextLong();
    } while (a == 0 && b == 0);
    char[] out = new char[32];
    fill(out, 0, a);
    fill(out, 16, b);
    return new String(out);
  }

  static String newSpanId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long a;
    do {
      a = r.nextLong();
    } while (a == 0);
    char[] out = new char[16];
    fill(out, 0, a);
    return new String(out);
  }

  private static void fill(char[] out, int at, long v) {
    for (int i = 0; i < 16; i++) {
      out[at + i] = HEX[(int) (v >>> (60 - 4 * i)) & 0xf];
    }
  }
}
