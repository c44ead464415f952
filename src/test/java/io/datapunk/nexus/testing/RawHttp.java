package io.datapunk.nexus.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends bytes exactly as written on a plain socket and reads until the peer closes (or a timeout). */
public final class RawHttp {
  private RawHttp() {}

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
