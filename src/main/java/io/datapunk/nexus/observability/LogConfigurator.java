package io.datapunk.nexus.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The gateway's logging, set up in code at start (found by logback through {@code META-INF/services}):
 * one line per event on standard error ({@code HH:mm:ss.SSS LEVEL Logger - message}), Netty and Vert.x
 * at WARN, everything else at {@code NEXUS_LOG_LEVEL} (default INFO), and
 * {@link ClosedBeforeConnectFilter} in front. Done in code rather than by a {@code logback.xml}: the XML
 * configurator (its parser and model) took about 140 ms of every start. A file given with
 * {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path, is used
 * instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context, System.getenv("NEXUS_LOG_LEVEL"));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Configures {@code context} as the gateway logs; {@code level} names the root level (null or unknown: INFO). */
  static void apply(LoggerContext context, String level) {
    ClosedBeforeConnectFilter filter = new ClosedBeforeConnectFilter();
    filter.setContext(context);
    filter.start();
    context.addTurboFilter(filter);

    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();

    context.getLogger("io.netty").setLevel(Level.WARN);
    context.getLogger("io.vertx").setLevel(Level.WARN);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level, Level.INFO));
    root.addAppender(stderr);
  }
}
