package io.datapunk.nexus.validation;

/**
 * Turns the raw request path into the one canonical path that routing, authorization, rate limiting,
 * caching and the upstream all see. A path is rejected (null) rather than repaired whenever two
 * components could read it differently:
 *
 * <ul>
 *   <li>only RFC 3986 path characters ({@code pchar} and {@code /}); a backslash, a control character,
 *       a space or any raw byte above 0x7E is rejected;
 *   <li>percent-escapes must have two hex digits; escapes of unreserved characters
 *       ({@code A-Z a-z 0-9 - . _ ~}) are decoded, all others are kept encoded (hex made upper case);
 *   <li>an encoded slash ({@code %2F}), backslash ({@code %5C}), NUL or other control character is
 *       rejected, and so is a non-ASCII escape sequence that is not shortest-form UTF-8 (overlong
 *       forms such as {@code %C0%AE}, surrogates, truncated sequences);
 *   <li>a segment {@code .;x} or {@code ..;x} (the servlet path-parameter trick) is rejected;
 *   <li>repeated slashes are merged, and dot segments removed (RFC 3986 section 5.2.4) after
 *       decoding, so {@code %2e%2e} counts as {@code ..}; a {@code ..} that would climb above the
 *       root is rejected.
 * </ul>
 *
 * Paths that need none of this (the common case) are returned as they are, without allocation.
 */
public final class PathCanonicalizer {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  /** Character classes for ASCII: 1 = unreserved, 2 = other allowed path character. */
  private static final byte[] CLASS = new byte[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      CLASS[c] = 1;
    }
    for (char c = 'A'; c <= 'Z'; c++) {
      CLASS[c] = 1;
    }
    for (char c = '0'; c <= '9'; c++) {
      CLASS[c] = 1;
    }
    for (char c : "-._~".toCharArray()) {
      CLASS[c] = 1;
    }
    for (char c : "!$&'()*+,;=:@/%".toCharArray()) {
      CLASS[c] = 2;
    }
  }

  private PathCanonicalizer() {}

  /** The canonical form of {@code raw} (a path without query), or null when it must be rejected. */
  public static String canonicalize(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      return null;
    }
    int work = scan(raw);
    if (work == CANONICAL) {
      return raw;
    }
    if (work == INVALID) {
      return null;
    }
    // Each pass copies the path: skip the ones it does not need.
    String decoded = raw;
    if (work == DECODE) {
      decoded = decode(raw);
      if (decoded == null) {
        return null;
      }
      if (!hasEmptyOrDotSegment(decoded)) {
        return decoded;
      }
    }
    return removeDotSegments(decoded);
  }

  private static final int INVALID = -1;
  private static final int CANONICAL = 0;
  private static final int SEGMENTS = 1;
  private static final int DECODE = 2;

  /**
   * What a path needs: nothing ({@code CANONICAL}: only unreserved characters, {@code /} and
   * sub-delimiters, no {@code %}, no {@code //}, no segment starting with a dot), only the slash and
   * dot-segment pass ({@code SEGMENTS}), percent-decoding first ({@code DECODE}; {@link #decode} checks
   * every character itself), or rejection for a character that is not allowed ({@code INVALID}).
   */
  private static int scan(String p) {
    int work = CANONICAL;
    char prev = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c >= 128 || CLASS[c] == 0) {
        return INVALID;
      }
      if (c == '%') {
        return DECODE;
      }
      if (prev == '/' && (c == '/' || c == '.')) {
        work = SEGMENTS;
      }
      prev = c;
    }
    return work;
  }

  /** Whether the path has {@code //} or a segment starting with a dot. */
  private static boolean hasEmptyOrDotSegment(String p) {
    for (int i = p.indexOf('/'); i >= 0 && i + 1 < p.length(); i = p.indexOf('/', i + 1)) {
      char next = p.charAt(i + 1);
      if (next == '/' || next == '.') {
        return true;
      }
    }
    return false;
  }

  /** Percent-decodes unreserved characters and checks every character and escape; null on rejection. */
  private static String decode(String p) {
    StringBuilder out = new StringBuilder(p.length());
    int n = p.length();
    int i = 0;
    while (i < n) {
      char c = p.charAt(i);
      if (c >= 128 || CLASS[c] == 0) {
        return null;
      }
      if (c != '%') {
        out.append(c);
        i++;
        continue;
      }
      int b = hexByte(p, i);
      if (b < 0) {
        return null;
      }
      if (b < 0x80) {
        if (b < 0x20 || b == 0x7f || b == '/' || b == '\\') {
          return null;
        }
        if (CLASS[b] == 1) {
          out.append((char) b);
        } else {
          appendEscape(out, b);
        }
        i += 3;
        continue;
      }
      // A UTF-8 sequence of escapes: check it is well-formed and shortest-form, keep it encoded.
      int len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : -1;
      if (len < 0 || b > 0xF4 || b == 0xC0 || b == 0xC1) {
        return null;
      }
      int cp = b & (0xFF >> (len + 1));
      appendEscape(out, b);
      for (int k = 1; k < len; k++) {
        int at = i + 3 * k;
        int cont = at < n && p.charAt(at) == '%' ? hexByte(p, at) : -1;
        if (cont < 0x80 || cont > 0xBF) {
          return null;
        }
        cp = (cp << 6) | (cont & 0x3F);
        appendEscape(out, cont);
      }
      int min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return null;
      }
      i += 3 * len;
    }
    return out.toString();
  }

  /**
   * Merges slashes and removes {@code .} and {@code ..} segments; null when {@code ..} climbs above the
   * root or a segment is a dot segment with path parameters.
   */
  private static String removeDotSegments(String p) {
    StringBuilder out = new StringBuilder(p.length());
    int n = p.length();
    int i = 0;
    boolean trailingSlash = false;
    while (i < n) {
      // p.charAt(i) == '/' here; skip repeated slashes
      while (i < n && p.charAt(i) == '/') {
        i++;
      }
      int end = p.indexOf('/', i);
      if (end < 0) {
        end = n;
      }
      trailingSlash = end < n || (end == n && i == n);
      if (i == end) {
        break;
      }
      // Only a segment starting with a dot can be one; look no further than its first characters
      // (searching the rest of the path for ';' made long paths cost quadratic time).
      boolean dot = false;
      boolean dotDot = false;
      if (p.charAt(i) == '.') {
        int nameEnd = i + 1 < end && p.charAt(i + 1) == '.' ? i + 2 : i + 1;
        if (nameEnd < end && p.charAt(nameEnd) == ';') {
          return null;
        }
        dot = nameEnd == end && nameEnd == i + 1;
        dotDot = nameEnd == end && nameEnd == i + 2;
      }
      if (dot) {
        trailingSlash = true;
      } else if (dotDot) {
        int last = out.lastIndexOf("/");
        if (last < 0) {
          return null;
        }
        out.setLength(last);
        trailingSlash = true;
      } else {
        out.append('/').append(p, i, end);
        trailingSlash = false;
      }
      i = end;
    }
    if (out.length() == 0 || trailingSlash) {
      out.append('/');
    }
    return out.toString();
  }

  private static int hexByte(String p, int at) {
    if (at + 2 >= p.length()) {
      return -1;
    }
    int hi = Character.digit(p.charAt(at + 1), 16);
    int lo = Character.digit(p.charAt(at + 2), 16);
    if (hi < 0 || lo < 0 || p.charAt(at + 1) > 'f' || p.charAt(at + 2) > 'f') {
      return -1;
    }
    return hi << 4 | lo;
  }

  private static void appendEscape(StringBuilder out, int b) {
    out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
  }
}
