package io.datapunk.nexus.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.channels.NotYetConnectedException;
import org.slf4j.Marker;

/**
 * Drops Netty's "exceptionCaught() ... reached at the tail of the pipeline" warning when its exception
 * is a {@link NotYetConnectedException}: an upstream connection the gateway closed before it had
 * connected (a burst of client hang-ups churns the pool; with epoll the socket can be read after its
 * close). The proxy already handles that failure (the request is sent once more and never counted
 * against the service, {@code proxy.UpstreamFailures#closedBeforeConnect}); the warning only added a
 * stack trace per connection to the log (144 in one benchmark run). Every other event passes.
 * Installed by {@link LogConfigurator}.
 */
public final class ClosedBeforeConnectFilter extends TurboFilter {
  static final String PIPELINE_LOGGER = "io.netty.channel.DefaultChannelPipeline";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                            Throwable t) {
    if (t instanceof NotYetConnectedException && level == Level.WARN
        && PIPELINE_LOGGER.equals(logger.getName())) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
