package io.datapunk.nexus.observability;

import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes JSON lines on its own thread, so event loops never wait for a disk or a pipe. Event loops
 * only {@link #offer} an immutable line to a bounded queue; when the queue is full the line is dropped
 * and counted ({@code nexus_log_dropped_total}), never waited for. The writer thread polls the queue
 * (a short park when empty) instead of being woken per line, and formats the JSON itself, off the
 * event loops.
 */
public final class LogWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** One line: writes itself as JSON (without the newline). */
  public interface Line {
    void appendJson(StringBuilder b, LogWriter writer);
  }

  private final String name;
  private final ArrayBlockingQueue<Line> queue;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final Writer out;
  private final boolean closeOut;
  private final Thread thread;
  private volatile boolean closing;

  private LogWriter(String name, int capacity, Writer out, boolean closeOut) {
    this.name = name;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.out = out;
    this.closeOut = closeOut;
    this.thread = new Thread(this::run, "nexus-" + name + "-log");
    thread.setDaemon(true);
    thread.start();
  }

  /** A writer to {@code stdout}, {@code stderr} or a file (appended to; its directory is created). */
  public static LogWriter open(String name, String path, int capacity) throws IOException {
    OutputStream stream;
    boolean close;
    switch (path) {
      case "stdout" -> {
        stream = new FileOutputStream(java.io.FileDescriptor.out);
        close = false;
      }
      case "stderr" -> {
        stream = new FileOutputStream(java.io.FileDescriptor.err);
        close = false;
      }
      default -> {
        Path file = Path.of(path).toAbsolutePath();
        Files.createDirectories(file.getParent());
        stream = new FileOutputStream(file.toFile(), true);
        close = true;
      }
    }
    Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
    return new LogWriter(name, capacity, w, close);
  }

  public String name() {
    return name;
  }

  /** Queues a line; false (and counted) when the queue is full. Never blocks. */
  public boolean offer(Line line) {
    if (closing || !queue.offer(line)) {
      dropped.increment();
      return false;
    }
    return true;
  }

  public long dropped() {
    return dropped.sum();
  }

  public long written() {
    return written.sum();
  }

  private void run() {
    List<Line> batch = new ArrayList<>(512);
    StringBuilder b = new StringBuilder(512);
    boolean pending = false;
    while (true) {
      int n = queue.drainTo(batch, 512);
      if (n == 0) {
        if (pending) {
          flush();
          pending = false;
        }
        if (closing && queue.isEmpty()) {
          return;
        }
        LockSupport.parkNanos(IDLE_PARK_NANOS);
        continue;
      }
      for (Line line : batch) {
        b.setLength(0);
        try {
          line.appendJson(b, this);
          b.append('\n');
          out.append(b);
          written.increment();
        } catch (IOException | RuntimeException e) {
          dropped.increment();
          LOG.warn("{} log: a line could not be written ({})", name, e.getClass().getSimpleName());
        }
      }
      batch.clear();
      pending = true;
    }
  }

  private void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      LOG.warn("{} log: flush failed ({})", name, e.getClass().getSimpleName());
    }
  }

  /** Writes what is queued (for at most 5 s), then closes the file. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(thread);
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
    if (closeOut) {
      try {
        out.close();
      } catch (IOException ignored) {
        // nothing left to do
      }
    }
  }

  private long cachedSecond = Long.MIN_VALUE;
  private String cachedPrefix;

  /**
   * Appends an epoch-millisecond time as ISO-8601 UTC ({@code 2025-01-31T12:00:00.123Z}); the text up
   * to the second is kept between calls. Called only from the writer thread.
   */
  public void time(StringBuilder b, long epochMillis) {
    long second = Math.floorDiv(epochMillis, 1000);
    if (second != cachedSecond) {
      String full = java.time.Instant.ofEpochSecond(second).toString(); // 2025-01-31T12:00:00Z
      cachedPrefix = full.substring(0, full.length() - 1) + '.';
      cachedSecond = second;
    }
    int ms = (int) Math.floorMod(epochMillis, 1000);
    b.append(cachedPrefix);
    if (ms < 100) {
      b.append('0');
    }
    if (ms < 10) {
      b.append('0');
    }
    b.append(ms).append('Z');
  }

  /** Appends {@code s} as a JSON string (quoted and escaped), or {@code null}. */
  public static void string(StringBuilder b, String s) {
    if (s == null) {
      b.append("null");
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append("\\u");
            String hex = Integer.toHexString(c);
            b.append("0000", hex.length(), 4).append(hex);
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  /** Appends milliseconds with microsecond precision ({@code 1.234}), or {@code null} when negative. */
  public static void millis(StringBuilder b, long nanos) {
    if (nanos < 0) {
      b.append("null");
      return;
    }
    long micros = nanos / 1000;
    b.append(micros / 1000).append('.');
    long frac = micros % 1000;
    if (frac < 100) {
      b.append('0');
    }
    if (frac < 10) {
      b.append('0');
    }
    b.append(frac);
  }
}
