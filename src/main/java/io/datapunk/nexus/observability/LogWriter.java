package io.datapunk.nexus.observability;

import io.netty.util.internal.PlatformDependent;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
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
  /** How long the writer sleeps when the queue is empty (at 30k lines/s, 150 lines wait: far from a full queue). */
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** Lines reach the file at most this late; in between they gather in a 64 KiB buffer (few, large writes). */
  private static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** One line: writes itself as JSON (without the newline). */
  public interface Line {
    void writeJson(JsonOut out) throws IOException;
  }

  private final String name;
  /**
   * Lock-free for the event loops (JCTools' multi-producer array queue, as Netty's own task queues):
   * an {@code ArrayBlockingQueue} took a lock per line, held by the writer for a whole drain.
   */
  private final Queue<Line> queue;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final OutputStream stream;
  private final JsonOut out;
  private final boolean closeOut;
  private final Thread thread;
  private volatile boolean closing;

  private LogWriter(String name, int capacity, OutputStream stream, boolean closeOut) {
    this.name = name;
    this.queue = PlatformDependent.newFixedMpscQueue(capacity);
    this.stream = stream;
    this.out = new JsonOut(stream);
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
    return new LogWriter(name, capacity, stream, close);
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
    boolean pending = false;
    long lastFlush = System.nanoTime();
    while (true) {
      int n = 0;
      for (Line line; n < 512 && (line = queue.poll()) != null; n++) {
        batch.add(line);
      }
      if (n == 0) {
        if (pending && (closing || System.nanoTime() - lastFlush >= FLUSH_NANOS)) {
          flush();
          pending = false;
          lastFlush = System.nanoTime();
        }
        if (closing && queue.isEmpty()) {
          return;
        }
        LockSupport.parkNanos(IDLE_PARK_NANOS);
        continue;
      }
      for (Line line : batch) {
        int mark = out.mark();
        try {
          line.writeJson(out);
          out.raw("\n");
          written.increment();
        } catch (IOException | RuntimeException e) {
          out.reset(mark);
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
    if (!thread.isAlive()) {
      flush(); // the writer thread is done: its buffer is ours now
    }
    if (closeOut) {
      try {
        stream.close();
      } catch (IOException ignored) {
        // nothing left to do
      }
    }
  }
}
