package io.datapunk.nexus.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends hand-written bytes on a raw TCP socket (for framing and smuggling tests, where an HTTP client
 * would refuse or repair the request) and reads what comes back until the server closes or a quiet
 * period passes ({@link #send}), or until the peer closes ({@link #exchange}).
 */
public final class RawHttp {
  private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] (\\d{3})");

  /**
   * What came back.
   *
   * @param text every byte received, as ISO-8859-1
   * @param closed whether the server closed the connection (rather than the quiet period passing)
   */
  public record Reply(String text, boolean closed) {
    /** The status of the first response, or -1 for none. */
    public int status() {
      Matcher m = STATUS.matcher(text);
      return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** How many final (non-1xx) response heads came back. */
    public int responses() {
      Matcher m = STATUS.matcher(text);
      int n = 0;
      while (m.find()) {
        if (!m.group(1).startsWith("1")) {
          n++;
        }
      }
      return n;
    }

    /** The body of the last response (after its blank line). */
    public String body() {
      int at = text.lastIndexOf("\r\n\r\n");
      return at < 0 ? "" : text.substring(at + 4);
    }
  }

  private RawHttp() {}

  public static Reply send(int port, String raw) {
    return send(port, raw.getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(3));
  }

  /** Sends {@code raw} and reads until the server closes or nothing arrives for {@code quiet}. */
  public static Reply send(int port, byte[] raw, Duration quiet) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout((int) quiet.toMillis());
      OutputStream out = s.getOutputStream();
      try {
        out.write(raw);
        out.flush();
      } catch (IOException e) {
        // the server may close while we still write (a refused head): read what it answered
      }
      return read(s.getInputStream());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Reply read(InputStream in) {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    boolean closed;
    try {
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          closed = true;
          break;
        }
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      closed = false;
    } catch (IOException e) {
      closed = true; // reset by the server
    }
    return new Reply(got.toString(StandardCharsets.ISO_8859_1), closed);
  }

  public static String exchange(int port, String request) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  public static String exchange(int port, byte[] request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
        }
      } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
        // return what arrived
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** The body of a raw HTTP/1.1 response, de-chunked when it is chunked. */
  public static String body(String rawResponse) {
    int split = rawResponse.indexOf("\r\n\r\n");
    String head = rawResponse.substring(0, split).toLowerCase(java.util.Locale.ROOT);
    String body = rawResponse.substring(split + 4);
    if (!head.contains("transfer-encoding: chunked")) {
      return body;
    }
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (true) {
      int eol = body.indexOf("\r\n", at);
      int size = Integer.parseInt(body.substring(at, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        return out.toString();
      }
      out.append(body, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
  }
}
