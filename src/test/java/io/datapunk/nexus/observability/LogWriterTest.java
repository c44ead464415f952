package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogWriterTest {
  @TempDir
  Path dir;

  @Test
  void writesLinesInOrderAsUtf8Json() throws Exception {
    Path file = dir.resolve("sub/dir/test.log");
    try (LogWriter w = LogWriter.open("test", file.toString(), 16)) {
      for (int i = 0; i < 5; i++) {
        int n = i;
        assertThat(w.offer(o -> o.raw("{\"n\":").number(n).raw(",\"s\":").string("a\"b\\c\nd\u0001\u2028é€😀\ud800x").raw("}")))
            .isTrue();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> w.written() == 5);
    }
    var lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0)).isEqualTo("{\"n\":0,\"s\":\"a\\\"b\\\\c\\nd\\u0001\\u2028é€😀\\ud800x\"}");
    assertThat(lines.get(4)).startsWith("{\"n\":4,");
    new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0));
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
    assertThat(acceptedWhileTheWriterIsStuck(16, 100)).isEqualTo(16);
  }

  @Test
  void theCapacityIsRoundedUpToAPowerOfTwo() throws Exception {
    assertThat(acceptedWhileTheWriterIsStuck(20, 100)).isEqualTo(32);
  }

  /** Offers {@code offers} lines while the writer is stuck on a first one; returns how many were queued. */
  private int acceptedWhileTheWriterIsStuck(int capacity, int offers) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger entered = new AtomicInteger();
    try (LogWriter w = LogWriter.open("test", dir.resolve("blocked-" + capacity + ".log").toString(), capacity)) {
      // The first line blocks the writer thread, as a stuck disk or pipe would.
      w.offer(o -> {
        entered.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        o.raw("{}");
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> entered.get() == 1);
      int accepted = 0;
      for (int i = 0; i < offers; i++) {
        if (w.offer(o -> o.raw("{}"))) {
          accepted++;
        }
      }
      assertThat(w.dropped()).isEqualTo(offers - accepted);
      release.countDown();
      int queued = accepted;
      await().atMost(Duration.ofSeconds(10)).until(() -> w.written() == queued + 1);
      return accepted;
    }
  }

  @Test
  void numbersTimesAndMillis() throws Exception {
    JsonOut o = new JsonOut(new ByteArrayOutputStream());
    o.time(1_700_000_000_007L).raw(" ").time(1_700_000_000_999L).raw(" ").time(1_700_000_001_050L).raw(" ");
    o.millis(1_234_567).raw(" ").millis(5_000).raw(" ").millis(-1).raw(" ");
    o.number(0).raw(" ").number(-42).raw(" ").number(Long.MAX_VALUE).raw(" ").bool(true).raw(" ").string(null);
    assertThat(o.peek()).isEqualTo("2023-11-14T22:13:20.007Z 2023-11-14T22:13:20.999Z 2023-11-14T22:13:21.050Z "
        + "1.234 0.005 null 0 -42 9223372036854775807 true null");
  }

  @Test
  void aLongStringGrowsTheBuffer() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    JsonOut o = new JsonOut(sink);
    String big = "x".repeat(200_000);
    o.string(big);
    o.flush();
    assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("\"" + big + "\"");
  }
}
