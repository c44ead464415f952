package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogWriterTest {
  @TempDir
  Path dir;

  @Test
  void writesLinesInOrderAndEscapesJson() throws Exception {
    Path file = dir.resolve("sub/dir/test.log");
    try (LogWriter w = LogWriter.open("test", file.toString(), 16)) {
      for (int i = 0; i < 5; i++) {
        int n = i;
        assertThat(w.offer((b, x) -> {
          b.append("{\"n\":").append(n).append(",\"s\":");
          LogWriter.string(b, "a\"b\\c\nd\u0001\u2028");
          b.append('}');
        })).isTrue();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> w.written() == 5);
    }
    var lines = Files.readAllLines(file);
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0)).isEqualTo("{\"n\":0,\"s\":\"a\\\"b\\\\c\\nd\\u0001\\u2028\"}");
    assertThat(lines.get(4)).startsWith("{\"n\":4,");
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
    Path fifo = dir.resolve("blocked.log");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();
    try (LogWriter w = LogWriter.open("test", fifo.toString(), 16)) {
      // The first line blocks the writer thread, as a stuck disk or pipe would.
      w.offer((b, x) -> {
        entered.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        b.append("{}");
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> entered.get() == 1);
      int accepted = 0;
      for (int i = 0; i < 100; i++) {
        if (w.offer((b, x) -> b.append("{}"))) {
          accepted++;
        }
      }
      assertThat(accepted).isEqualTo(16);
      assertThat(w.dropped()).isEqualTo(84);
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> w.written() == 17);
    }
  }

  @Test
  void timesAreIso8601Utc() throws Exception {
    try (LogWriter w = LogWriter.open("test", dir.resolve("t.log").toString(), 16)) {
      StringBuilder b = new StringBuilder();
      w.time(b, 1_700_000_000_007L);
      b.append(' ');
      w.time(b, 1_700_000_000_999L);
      b.append(' ');
      w.time(b, 1_700_000_001_050L);
      assertThat(b.toString()).isEqualTo("2023-11-14T22:13:20.007Z 2023-11-14T22:13:20.999Z 2023-11-14T22:13:21.050Z");
    }
  }

  @Test
  void millisecondsWithMicrosecondPrecision() {
    StringBuilder b = new StringBuilder();
    LogWriter.millis(b, 1_234_567);
    b.append(' ');
    LogWriter.millis(b, 5_000);
    b.append(' ');
    LogWriter.millis(b, -1);
    assertThat(b.toString()).isEqualTo("1.234 0.005 null");
  }
}
