package io.datapunk.nexus.server;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bare HTTP/2 (h2c, prior knowledge) client that writes frames by hand, to do what well-behaved
 * clients refuse to: open and reset streams as fast as a socket takes them, or send header lists over
 * the server's limit. Header blocks use only HPACK literals without indexing, so every block is
 * valid on its own. A reader thread records the frames the server sends and acknowledges its SETTINGS.
 */
final class RawHttp2Client implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int GOAWAY = 7;
  static final int CONTINUATION = 9;

  record Frame(int type, int flags, int stream, byte[] payload) {}

  final List<Frame> received = new CopyOnWriteArrayList<>();
  final AtomicBoolean closedByServer = new AtomicBoolean();
  private final Socket socket;
  private final OutputStream out;
  private final Thread reader;

  RawHttp2Client(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(SETTINGS, 0, 0, new byte[0]);
    DataInputStream in = new DataInputStream(socket.getInputStream());
    reader = new Thread(() -> {
      try {
        while (true) {
          int len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
          int type = in.readUnsignedByte();
          int flags = in.readUnsignedByte();
          int stream = in.readInt() & 0x7fffffff;
          byte[] payload = new byte[len];
          in.readFully(payload);
          received.add(new Frame(type, flags, stream, payload));
          if (type == SETTINGS && (flags & 1) == 0) {
            frame(SETTINGS, 1, 0, new byte[0]);
          }
        }
      } catch (IOException e) {
        closedByServer.set(true);
      }
    }, "raw-h2-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** A GET for {@code path}, ended, plus {@code extra} literal headers. */
  static byte[] requestBlock(String path, String... extra) {
    List<byte[]> parts = new ArrayList<>();
    parts.add(new byte[] {(byte) 0x82, (byte) 0x86}); // :method GET, :scheme http
    parts.add(literal(4, path)); // :path
    parts.add(literal(1, "127.0.0.1")); // :authority
    for (int i = 0; i + 1 < extra.length; i += 2) {
      parts.add(literal(extra[i], extra[i + 1]));
    }
    int size = parts.stream().mapToInt(p -> p.length).sum();
    byte[] block = new byte[size];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, block, off, p.length);
      off += p.length;
    }
    return block;
  }

  /** Sends a request's header block, split into HEADERS + CONTINUATION frames of at most 16384 bytes. */
  void request(int stream, byte[] block) throws IOException {
    int max = 16384;
    int first = Math.min(max, block.length);
    synchronized (this) {
      frameUnlocked(HEADERS, block.length <= max ? 0x5 : 0x1, stream, slice(block, 0, first));
      for (int off = first; off < block.length; off += max) {
        int n = Math.min(max, block.length - off);
        frameUnlocked(CONTINUATION, off + n >= block.length ? 0x4 : 0, stream, slice(block, off, n));
      }
      out.flush();
    }
  }

  void reset(int stream) throws IOException {
    frame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}); // CANCEL
  }

  /** Whether a GOAWAY arrived, and with which error code (-1 when none). */
  long goAwayError() {
    for (Frame f : received) {
      if (f.type() == GOAWAY) {
        byte[] p = f.payload();
        return ((long) (p[4] & 0xff) << 24) | (p[5] & 0xff) << 16 | (p[6] & 0xff) << 8 | (p[7] & 0xff);
      }
    }
    return -1;
  }

  /** The first SETTINGS the server sent, as id → value. */
  java.util.Map<Integer, Long> serverSettings() {
    for (Frame f : received) {
      if (f.type() == SETTINGS && (f.flags() & 1) == 0) {
        java.util.Map<Integer, Long> m = new java.util.HashMap<>();
        byte[] p = f.payload();
        for (int i = 0; i + 6 <= p.length; i += 6) {
          m.put((p[i] & 0xff) << 8 | (p[i + 1] & 0xff),
              ((long) (p[i + 2] & 0xff) << 24) | (p[i + 3] & 0xff) << 16 | (p[i + 4] & 0xff) << 8 | (p[i + 5] & 0xff));
        }
        return m;
      }
    }
    return null;
  }

  synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    frameUnlocked(type, flags, stream, payload);
    out.flush();
  }

  private void frameUnlocked(int type, int flags, int stream, byte[] payload) throws IOException {
    int len = payload.length;
    out.write(new byte[] {(byte) (len >>> 16), (byte) (len >>> 8), (byte) len, (byte) type, (byte) flags,
        (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
    out.write(payload);
  }

  private void write(byte[] b) throws IOException {
    synchronized (this) {
      out.write(b);
      out.flush();
    }
  }

  private static byte[] slice(byte[] b, int off, int n) {
    byte[] s = new byte[n];
    System.arraycopy(b, off, s, 0, n);
    return s;
  }

  /** Literal header field without indexing, indexed name (RFC 7541 6.2.2). */
  private static byte[] literal(int nameIndex, String value) {
    byte[] v = string(value);
    byte[] b = new byte[1 + v.length];
    b[0] = (byte) nameIndex; // 0000xxxx, index < 15
    System.arraycopy(v, 0, b, 1, v.length);
    return b;
  }

  /** Literal header field without indexing, new name. */
  private static byte[] literal(String name, String value) {
    byte[] n = string(name);
    byte[] v = string(value);
    byte[] b = new byte[1 + n.length + v.length];
    System.arraycopy(n, 0, b, 1, n.length);
    System.arraycopy(v, 0, b, 1 + n.length, v.length);
    return b;
  }

  /** An HPACK string literal, not Huffman-coded, with its 7-bit-prefix length. */
  private static byte[] string(String s) {
    byte[] raw = s.getBytes(StandardCharsets.US_ASCII);
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(raw.length + 5);
    int len = raw.length;
    if (len < 127) {
      b.write(len);
    } else {
      b.write(127);
      len -= 127;
      while (len >= 128) {
        b.write((len & 0x7f) | 0x80);
        len >>>= 7;
      }
      b.write(len);
    }
    b.write(raw, 0, raw.length);
    return b.toByteArray();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
