package io.datapunk.nexus.cache;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The compact form of an entry in Redis: 16 ASCII digits of version (so the Lua compare-and-set reads
 * it with {@code GETRANGE 0 15}, without loading the value), then a binary record of status, times,
 * Vary data, tags, headers and body. Bodies of at least {@code compress_min_size} bytes are deflated
 * when that makes them smaller.
 */
final class EntryCodec {
  static final int VERSION_DIGITS = 16;
  private static final int MAGIC = 0x4e58; // "NX"
  private static final int FORMAT = 1;
  private static final int COMPRESSED = 1;
  private static final int MARKER = 2;
  private static final int SHARED = 4;

  private EntryCodec() {}

  /** The 16-digit, zero-padded decimal form of a version. */
  static String versionDigits(long version) {
    String s = Long.toString(version);
    return "0".repeat(Math.max(0, VERSION_DIGITS - s.length())) + s;
  }

  static byte[] encode(CachedResponse e, long compressMinSize) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + (e.body == null ? 0 : e.body.length()));
      bytes.write(versionDigits(e.version).getBytes(StandardCharsets.US_ASCII));
      DataOutputStream out = new DataOutputStream(bytes);
      byte[] body = e.body == null ? null : e.body.getBytes();
      byte[] stored = body;
      int flags = (e.marker() ? MARKER : 0) | (e.shared ? SHARED : 0);
      if (body != null && body.length >= compressMinSize && body.length > 0) {
        byte[] deflated = deflate(body);
        if (deflated.length < body.length) {
          stored = deflated;
          flags |= COMPRESSED;
        }
      }
      out.writeShort(MAGIC);
      out.writeByte(FORMAT);
      out.writeByte(flags);
      out.writeShort(e.status);
      out.writeLong(e.ageBase);
      out.writeLong(e.freshUntil);
      out.writeLong(e.staleWhileRevalidateUntil);
      out.writeLong(e.staleIfErrorUntil);
      writeString(out, e.route);
      writeString(out, e.path);
      writeStrings(out, e.varyNames);
      writeStrings(out, e.varyValues);
      writeStrings(out, e.tags);
      writeStrings(out, e.headerNames);
      writeStrings(out, e.headerValues);
      if (body != null) {
        out.writeInt(body.length);
        out.writeInt(stored.length);
        out.write(stored);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The entry stored under {@code key}, or null when the value is not one this format reads. */
  static CachedResponse decode(String key, byte[] value) {
    if (value == null || value.length < VERSION_DIGITS + 4) {
      return null;
    }
    try {
      long version = Long.parseLong(new String(value, 0, VERSION_DIGITS, StandardCharsets.US_ASCII));
      DataInputStream in = new DataInputStream(
          new java.io.ByteArrayInputStream(value, VERSION_DIGITS, value.length - VERSION_DIGITS));
      if (in.readUnsignedShort() != MAGIC || in.readUnsignedByte() != FORMAT) {
        return null;
      }
      int flags = in.readUnsignedByte();
      int status = in.readUnsignedShort();
      long ageBase = in.readLong();
      long fresh = in.readLong();
      long swr = in.readLong();
      long sie = in.readLong();
      String route = readString(in);
      String path = readString(in);
      String[] varyNames = readStrings(in);
      String[] varyValues = readStrings(in);
      String[] tags = readStrings(in);
      String[] names = readStrings(in);
      String[] values = readStrings(in);
      if ((flags & MARKER) != 0) {
        return CachedResponse.marker(key, route, path, version, varyNames, fresh, Math.max(swr, sie));
      }
      int length = in.readInt();
      int storedLength = in.readInt();
      byte[] stored = in.readNBytes(storedLength);
      byte[] body = (flags & COMPRESSED) != 0 ? inflate(stored, length) : stored;
      if (names == null || values == null || names.length != values.length || body.length != length) {
        return null;
      }
      return new CachedResponse(key, route, path, version, status, names, values, Buffer.buffer(body), ageBase,
          fresh, swr, sie, varyNames, varyValues, tags == null ? new String[0] : tags, (flags & SHARED) != 0);
    } catch (IOException | NumberFormatException | DataFormatException | NegativeArraySizeException e) {
      return null;
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }

  private static void writeStrings(DataOutputStream out, String[] a) throws IOException {
    if (a == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(a.length);
    for (String s : a) {
      writeString(out, s);
    }
  }

  private static String[] readStrings(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    if (n > 10_000) {
      throw new IOException("too many strings");
    }
    String[] a = new String[n];
    for (int i = 0; i < n; i++) {
      a[i] = readString(in);
    }
    return a;
  }

  private static byte[] deflate(byte[] body) {
    Deflater d = new Deflater(Deflater.BEST_SPEED);
    try {
      d.setInput(body);
      d.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2 + 64);
      byte[] chunk = new byte[8192];
      while (!d.finished()) {
        int n = d.deflate(chunk);
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } finally {
      d.end();
    }
  }

  private static byte[] inflate(byte[] stored, int length) throws DataFormatException {
    Inflater inf = new Inflater();
    try {
      inf.setInput(stored);
      byte[] out = new byte[length];
      int off = 0;
      while (off < length && !inf.finished()) {
        int n = inf.inflate(out, off, length - off);
        if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
          break;
        }
        off += n;
      }
      if (off != length) {
        throw new DataFormatException("short body");
      }
      return out;
    } finally {
      inf.end();
    }
  }
}
