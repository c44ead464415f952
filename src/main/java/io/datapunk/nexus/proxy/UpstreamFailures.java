package io.datapunk.nexus.proxy;

import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.validation.RequestBodyException;
import io.netty.channel.unix.Errors;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClosedException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/** Maps a failed upstream call to the gateway's error taxonomy and a message that names only the service. */
final class UpstreamFailures {
  private UpstreamFailures() {}

  static GatewayError classify(Throwable failure) {
    if (failure instanceof RequestBodyException refused) {
      return refused.error();
    }
    if (failure instanceof ConnectionPoolTooBusyException) {
      return GatewayError.UNAVAILABLE;
    }
    if (failure instanceof TimeoutException) {
      return GatewayError.TIMEOUT;
    }
    return GatewayError.SERVICE_DOWN;
  }

  /** Whether the failure happened before the request could reach the service (safe to try again). */
  static boolean beforeSend(Throwable failure) {
    return failure instanceof ConnectException || failure instanceof NoRouteToHostException
        || failure instanceof UnknownHostException || failure instanceof io.netty.channel.ConnectTimeoutException;
  }

  /**
   * Whether the connection was lost under a sent request before any answer: an orderly close, or a
   * TCP reset / broken pipe (the service closed with the request unread, typically an idle keep-alive
   * connection closed just as it was reused).
   */
  static boolean connectionLost(Throwable failure) {
    if (failure instanceof HttpClosedException) {
      return true;
    }
    if (failure instanceof Errors.NativeIoException nativeIo) {
      int err = nativeIo.expectedErr();
      return err == Errors.ERRNO_ECONNRESET_NEGATIVE || err == Errors.ERRNO_EPIPE_NEGATIVE;
    }
    if (failure instanceof SocketException && failure.getMessage() != null) {
      // The NIO transport's wording (sun.nio.ch), used when no native transport is available.
      String m = failure.getMessage();
      return m.startsWith("Connection reset") || m.startsWith("Broken pipe");
    }
    return false;
  }

  /**
   * Whether a connection for the request failed because the gateway's side of it was closed before
   * it connected ({@link ClosedChannelException} from the connect): a local event, not the service
   * refusing or failing.
   */
  static boolean closedBeforeConnect(Throwable failure) {
    return failure instanceof ClosedChannelException;
  }

  static String message(GatewayError error, String service) {
    return switch (error) {
      case BODY_TOO_LARGE -> "The request body is larger than this route accepts.";
      case VALIDATION -> "The request body is not validly framed.";
      case UNAVAILABLE -> "The " + service + " service has too many requests waiting; try again shortly.";
      case TIMEOUT -> "The " + service + " service did not answer in time.";
      default -> "The " + service + " service is not reachable.";
    };
  }
}
