package io.datapunk.nexus.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (run at PARANOID in tests, see pom.xml) reported a
 * leaked buffer during it. Registered for every test class through JUnit's extension auto-detection;
 * the appender half is wired in logback-test.xml.
 */
public final class LeakGuard extends AppenderBase<ILoggingEvent> implements AfterAllCallback {
  private static final List<String> REPORTS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    String message = event.getFormattedMessage();
    if (message != null && message.contains("LEAK:")) {
      REPORTS.add(message);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    // Leaks are found when buffers are collected: give the detector a chance to see them.
    System.gc();
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.gc();
    if (!REPORTS.isEmpty()) {
      String first = REPORTS.get(0);
      REPORTS.clear();
      throw new AssertionError("Netty reported a buffer leak during " + context.getDisplayName() + ":\n" + first);
    }
  }
}
