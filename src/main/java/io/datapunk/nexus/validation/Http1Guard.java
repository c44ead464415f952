package io.datapunk.nexus.validation;

import io.datapunk.nexus.pipeline.ErrorResponse;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.pipeline.RequestIds;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.function.Consumer;

/**
 * Hardens a data-plane listener's HTTP/1 parsing: puts {@link StrictRequestDecoder} in place of
 * Vert.x's decoder on each new connection, and answers every request the decoder refused (line too
 * long: 414, header block too large: 431, anything else malformed: 400) in the gateway's JSON error
 * format, closing the connection. Requests that decode cleanly go on to {@link RequestValidator}.
 */
public final class Http1Guard {
  private static final String DECODER = "httpDecoder";

  private Http1Guard() {}

  /**
   * Installs the guard on a server built with {@code options} (it takes the server's connection
   * handler: {@code onConnect}, may be null, is called after it for each new connection);
   * {@code onReject} is told of each refused request (for the audit log), may be null.
   */
  public static void install(HttpServer server, HttpServerOptions options, Consumer<HttpConnection> onConnect,
                             Consumer<HttpServerRequest> onReject) {
    server.invalidRequestHandler(request -> {
      if (onReject != null) {
        onReject.accept(request);
      }
      reject(request);
    });
    server.connectionHandler(connection -> {
      useStrictDecoder(connection, options);
      if (onConnect != null) {
        onConnect.accept(connection);
      }
    });
  }

  /**
   * Replaces the decoder of a new HTTP/1 connection. It runs before the connection's first request
   * is decoded (the connection handler is called as the connection is set up, on its event loop).
   * Vert.x offers no public hook for this, so it goes through the Netty pipeline of the connection.
   */
  static void useStrictDecoder(HttpConnection connection, HttpServerOptions options) {
    if (!(connection instanceof ConnectionBase base) || (options.isHttp2ClearTextEnabled() && !options.isSsl())) {
      // With h2c on, this runs while the first request is being decoded: replacing the decoder then
      // would lose the bytes it holds. The listener keeps h2c off (GatewayVerticle), and the tests
      // of EdgeValidationIT fail if the strict decoder is not in place.
      return;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandler current = pipeline.get(DECODER);
    if (current instanceof VertxHttpRequestDecoder && !(current instanceof StrictRequestDecoder)) {
      pipeline.replace(DECODER, DECODER, new StrictRequestDecoder(options));
    }
  }

  /** Whether a body chunk of the connection's current request could not be decoded. */
  static boolean bodyFramingFailed(HttpServerRequest request) {
    return request.connection() instanceof ConnectionBase base
        && base.channel().hasAttr(StrictRequestDecoder.BODY_FRAMING_FAILED)
        && Boolean.TRUE.equals(base.channel().attr(StrictRequestDecoder.BODY_FRAMING_FAILED).get());
  }

  /** Answers a request the decoder refused. */
  static void reject(HttpServerRequest request) {
    Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
    GatewayError error;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      error = GatewayError.URI_TOO_LONG;
      message = "The request line is longer than the gateway accepts.";
    } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
      error = GatewayError.HEADERS_TOO_LARGE;
      message = "The request headers are larger than the gateway accepts.";
    } else {
      error = GatewayError.VALIDATION;
      message = "The request is malformed.";
    }
    ErrorResponse.send(request, error, message, RequestIds.generate(), true);
  }
}
