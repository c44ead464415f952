package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayProcess;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 100 MB bodies both ways through a gateway JVM whose heap is capped at 64 MB and direct memory at
 * 32 MB: the bodies can only pass if they are streamed, never aggregated.
 */
class LargeBodyIT {
  static final long SIZE = 100L * 1024 * 1024;
  static TestUpstream lake;
  static GatewayProcess nexus;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    lake = TestUpstream.start();
    lake.handler(req -> {
      switch (req.path()) {
        case "/upload" -> {
          CRC32 crc = new CRC32();
          long[] n = {0};
          req.handler(b -> {
            n[0] += b.length();
            crc.update(b.getBytes());
          });
          req.endHandler(v -> req.response().end(n[0] + ":" + crc.getValue()));
        }
        case "/download" -> stream(req.response(), "chunked".equals(req.getParam("mode")));
        default -> req.response().setStatusCode(404).end();
      }
    });
    nexus = GatewayProcess.start("""
        server: {port: ${PORT}, event_loops: 1}
        admin: {port: ${ADMIN_PORT}}
        service_routes:
          lake: {prefix: /storage, service_url: "%s", timeout: 120}
        network_optimization:
          connection_pooling: {min_size: 0}
        """.formatted(lake.url()), List.of("-Xmx64m", "-XX:MaxDirectMemorySize=32m", "-XX:+UseSerialGC"));
  }

  @AfterAll
  static void stop() throws Exception {
    nexus.close();
    lake.close();
  }

  /** Writes SIZE bytes of a repeating pattern with back-pressure (waits on drain when the queue is full). */
  static void stream(HttpServerResponse resp, boolean chunked) {
    if (chunked) {
      resp.setChunked(true);
    } else {
      resp.putHeader("content-length", Long.toString(SIZE));
    }
    Buffer block = Buffer.buffer(pattern(64 * 1024));
    long[] sent = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (sent[0] < SIZE && !resp.writeQueueFull()) {
        resp.write(block.copy());
        sent[0] += block.length();
      }
      if (sent[0] >= SIZE) {
        resp.drainHandler(null); // a drain after the last write must not end the response twice
        resp.end();
      } else {
        resp.drainHandler(v -> pump[0].run());
      }
    };
    pump[0].run();
  }

  static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  static long expectedCrc() {
    CRC32 crc = new CRC32();
    byte[] block = pattern(64 * 1024);
    for (long s = 0; s < SIZE; s += block.length) {
      crc.update(block);
    }
    return crc.getValue();
  }

  /** An InputStream of SIZE pattern bytes, generated on the fly. */
  static InputStream generated() {
    byte[] block = pattern(64 * 1024);
    return new InputStream() {
      long pos;

      @Override
      public int read() {
        return pos < SIZE ? block[(int) (pos++ % block.length)] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= SIZE) {
          return -1;
        }
        int n = (int) Math.min(len, SIZE - pos);
        for (int i = 0; i < n; i++) {
          b[off + i] = block[(int) ((pos + i) % block.length)];
        }
        pos += n;
        return n;
      }
    };
  }

  @Test
  void uploads100MbFixedLength() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/storage/upload"))
        .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(LargeBodyIT::generated), SIZE))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(SIZE + ":" + expectedCrc());
  }

  @Test
  void uploads100MbChunked() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/storage/upload"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(LargeBodyIT::generated)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(SIZE + ":" + expectedCrc());
  }

  @Test
  void downloads100MbFixedLengthAndChunked() throws Exception {
    for (String mode : new String[] {"fixed", "chunked"}) {
      HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(uri("/storage/download?mode=" + mode)).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.statusCode()).isEqualTo(200);
      if (mode.equals("fixed")) {
        assertThat(r.headers().firstValueAsLong("content-length")).hasValue(SIZE);
      } else {
        assertThat(r.headers().firstValue("content-length")).isEmpty();
      }
      CRC32 crc = new CRC32();
      long n = 0;
      try (InputStream in = r.body()) {
        byte[] buf = new byte[64 * 1024];
        int k;
        while ((k = in.read(buf)) >= 0) {
          crc.update(buf, 0, k);
          n += k;
        }
      }
      assertThat(n).isEqualTo(SIZE);
      assertThat(crc.getValue()).isEqualTo(expectedCrc());
    }
    assertThat(nexus.process().isAlive()).isTrue();
    assertThat(nexus.log()).doesNotContain("OutOfMemoryError");
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + nexus.port() + path);
  }
}
