package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {
  @Test
  void logbackFindsItThroughTheServiceFile() {
    assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
        .contains(LogConfigurator.class);
  }

  @Test
  void theRootLevelComesFromNexusLogLevelAndNettyAndVertxStayAtWarn() {
    LoggerContext context = new LoggerContext();
    LogConfigurator.apply(context, "DEBUG");
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
    assertThat(context.getLogger("io.netty.channel").getEffectiveLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.vertx.core").getEffectiveLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNotNull();
    context.stop();
  }

  @Test
  void anUnknownOrMissingLevelMeansInfo() {
    for (String level : new String[] {null, "loud"}) {
      LoggerContext context = new LoggerContext();
      LogConfigurator.apply(context, level);
      assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).as("%s", level).isEqualTo(Level.INFO);
      context.stop();
    }
  }

  @Test
  void aTestOrUserConfigurationTakesOver() {
    // The tests' class path has logback-test.xml: the configurator steps aside for it.
    LoggerContext context = new LoggerContext();
    LogConfigurator configurator = new LogConfigurator();
    configurator.setContext(context);
    assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();
  }
}
