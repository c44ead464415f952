package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.channels.NotYetConnectedException;
import org.junit.jupiter.api.Test;

class ClosedBeforeConnectFilterTest {

  /** The product's logging (LogConfigurator, not the tests' logback-test.xml), in a context of its own. */
  private static LoggerContext productLogging() {
    LoggerContext context = new LoggerContext();
    LogConfigurator.apply(context, null);
    return context;
  }

  @Test
  void theProductLogDropsOnlyTheClosedBeforeConnectWarningOfNettysPipeline() throws Exception {
    LoggerContext context = productLogging();
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.setContext(context);
    seen.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(seen);
    Logger pipeline = context.getLogger(ClosedBeforeConnectFilter.PIPELINE_LOGGER);
    String tail = "An exceptionCaught() event was fired, and it reached at the tail of the pipeline.";

    pipeline.warn(tail, new NotYetConnectedException());
    assertThat(seen.list).as("the handled closed-before-connect case").isEmpty();

    pipeline.warn(tail, new IOException("Connection reset by peer"));
    pipeline.error(tail, new NotYetConnectedException());
    context.getLogger("io.datapunk.nexus.proxy.ProxyCall").warn("elsewhere", new NotYetConnectedException());
    assertThat(seen.list).extracting(ILoggingEvent::getLevel)
        .as("another exception, another level, another logger: all logged")
        .containsExactly(Level.WARN, Level.ERROR, Level.WARN);
    context.stop();
  }
}
