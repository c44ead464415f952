package io.datapunk.nexus.compress;

import java.util.List;

/**
 * Chooses a content coding from an {@code Accept-Encoding} header (RFC 9110 section 12.5.3): the
 * offered coding with the highest q-value wins, {@code q=0} means "not acceptable", {@code *} rates
 * every coding not named, and ties go to the server's order of preference. No header means no
 * compression (many clients that send none cannot decode any).
 */
final class AcceptEncoding {
  private final ContentCoding[] preference;

  /** {@code preference}: the codings offered, most preferred first. */
  AcceptEncoding(List<ContentCoding> preference) {
    this.preference = preference.toArray(new ContentCoding[0]);
  }

  /** The coding to use, or null for none (identity). */
  ContentCoding choose(String header) {
    if (header == null || header.isEmpty()) {
      return null;
    }
    int[] q = new int[ContentCoding.values().length];
    java.util.Arrays.fill(q, -1);
    int star = -1;
    int len = header.length();
    int start = 0;
    while (start < len) {
      int comma = header.indexOf(',', start);
      int end = comma < 0 ? len : comma;
      int semi = header.indexOf(';', start);
      int tokenEnd = semi >= 0 && semi < end ? semi : end;
      String token = header.substring(start, tokenEnd).trim();
      int quality = tokenEnd < end ? quality(header, tokenEnd, end) : 1000;
      if (token.equals("*")) {
        star = quality;
      } else if (!token.isEmpty()) {
        ContentCoding c = ContentCoding.of(token);
        if (c != null) {
          q[c.ordinal()] = Math.max(q[c.ordinal()], quality);
        }
      }
      start = end + 1;
    }
    ContentCoding best = null;
    int bestQ = 0;
    for (ContentCoding c : preference) {
      int v = q[c.ordinal()] >= 0 ? q[c.ordinal()] : Math.max(star, 0);
      if (v > bestQ) {
        best = c;
        bestQ = v;
      }
    }
    return best;
  }

  /**
   * The q parameter among the parameters in {@code s[from, to)} (starting at a ';'), in thousandths;
   * a malformed q-value counts as 0 so a coding is never chosen by mistake.
   */
  static int quality(String s, int from, int to) {
    int i = from;
    while (i < to) {
      int semi = s.indexOf(';', i);
      if (semi < 0 || semi >= to) {
        break;
      }
      int next = s.indexOf(';', semi + 1);
      int paramEnd = next < 0 || next > to ? to : next;
      String param = s.substring(semi + 1, paramEnd).trim();
      if (param.length() >= 2 && (param.charAt(0) == 'q' || param.charAt(0) == 'Q')) {
        String v = param.substring(1).trim();
        if (v.startsWith("=")) {
          return parseQ(v.substring(1).trim());
        }
      }
      i = paramEnd;
    }
    return 1000;
  }

  /** {@code qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )}, in thousandths, or 0. */
  static int parseQ(String v) {
    if (v.isEmpty() || v.length() > 5) {
      return 0;
    }
    char first = v.charAt(0);
    if (first != '0' && first != '1') {
      return 0;
    }
    int value = (first - '0') * 1000;
    if (v.length() > 1) {
      if (v.charAt(1) != '.') {
        return 0;
      }
      int scale = 100;
      for (int i = 2; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c < '0' || c > '9') {
          return 0;
        }
        value += (c - '0') * scale;
        scale /= 10;
      }
    }
    return value > 1000 ? 0 : value;
  }
}
