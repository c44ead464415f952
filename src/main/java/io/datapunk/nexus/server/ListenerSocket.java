package io.datapunk.nexus.server;

import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the listening socket of a Vert.x HTTP server and nothing else: new connections are refused,
 * while the connections already accepted stay open. Vert.x 5 has no public call for this: its
 * {@code shutdown} also closes every idle HTTP/1.1 keep-alive connection at once, and a request a
 * client (NGINX's keep-alive pool) sent on one of them at that moment is lost, which a POST cannot
 * survive (the client may not resend it). So this reaches the bound channel by reflection, through
 * Vert.x 5.0's {@code HttpServerImpl.tcpServer -> NetServerImpl.actualServer -> bindFuture}; DrainIT
 * checks that it works with the Vert.x version in use. When it does not, the caller falls back to
 * Vert.x's shutdown.
 */
final class ListenerSocket {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerSocket.class);

  private ListenerSocket() {}

  /** Closes the server's listening socket; false when that cannot be done on this Vert.x version. */
  static boolean close(HttpServer server) {
    try {
      Object tcp = field(server, "tcpServer");
      Object actual = field(tcp, "actualServer");
      Object bind = field(actual == null ? tcp : actual, "bindFuture");
      if (!(bind instanceof Future<?> f) || !(f.result() instanceof Channel channel)) {
        return false;
      }
      channel.close();
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("cannot close the listening socket alone on this Vert.x version ({}); idle keep-alive "
          + "connections will be closed at once when draining", e.toString());
      return false;
    }
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(name);
  }
}
