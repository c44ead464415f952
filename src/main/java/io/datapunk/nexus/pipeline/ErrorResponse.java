package io.datapunk.nexus.pipeline;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes the gateway's JSON error body:
 * {@code {"error": {"status": 504, "code": "timeout", "message": "...", "request_id": "..."}}}.
 * Messages are the gateway's own words; nothing from exceptions, upstreams or libraries goes in.
 */
public final class ErrorResponse {
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private ErrorResponse() {}

  /** The body for an error. */
  public static String body(GatewayError error, String message, String requestId) {
    StringBuilder b = new StringBuilder(128);
    b.append("{\"error\": {\"status\": ").append(error.status()).append(", \"code\": \"").append(error.code())
        .append("\", \"message\": \"");
    escape(b, message);
    b.append("\", \"request_id\": \"");
    escape(b, requestId == null ? "" : requestId);
    return b.append("\"}}").toString();
  }

  /**
   * Sends the error unless a response head was already written (then the connection is reset, as a
   * started response cannot change its status). Closes the connection when the request body was not
   * read, so unread bytes are never taken for a next request.
   */
  public static void send(HttpServerRequest request, GatewayError error, String message, String requestId) {
    send(request, error, message, requestId, false, null, -1);
  }

  /** As {@link #send(HttpServerRequest, GatewayError, String, String)}, with {@code Retry-After} when >= 0. */
  public static void send(HttpServerRequest request, GatewayError error, String message, String requestId,
                          long retryAfterSeconds) {
    send(request, error, message, requestId, false, null, retryAfterSeconds);
  }

  /**
   * Sends the error; with {@code close} the connection is closed after it whatever the request, so a
   * request refused for its framing can never be followed by bytes read as another request.
   */
  public static void send(HttpServerRequest request, GatewayError error, String message, String requestId,
                          boolean close) {
    send(request, error, message, requestId, close, null, -1);
  }

  /**
   * The full form: {@code extraHeaders} (WWW-Authenticate, RateLimit-*, CORS) are added to the error
   * response, and {@code Retry-After} when {@code retryAfterSeconds} >= 0.
   */
  public static void send(HttpServerRequest request, GatewayError error, String message, String requestId,
                          boolean close, MultiMap extraHeaders, long retryAfterSeconds) {
    HttpServerResponse response = request.response();
    // After a refused request (malformed, or over a size limit) no further byte of the connection is
    // trusted: it may be the rest of a body the gateway did not read, or a smuggled request.
    close |= error == GatewayError.VALIDATION || error == GatewayError.BODY_TOO_LARGE
        || error == GatewayError.URI_TOO_LONG || error == GatewayError.HEADERS_TOO_LARGE;
    boolean http2 = request.version() == io.vertx.core.http.HttpVersion.HTTP_2;
    if (close && !http2) {
      // Shutting the connection down first makes Vert.x drop any request already decoded behind this
      // one (a pipelined or smuggled request) instead of handing it to the pipeline.
      request.connection().shutdown(1, java.util.concurrent.TimeUnit.SECONDS);
    }
    boolean requestEnded = !close && (request.isEnded() || !Pipeline.hasBody(request));
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    Buffer body = Buffer.buffer(body(error, message, requestId));
    response.setStatusCode(error.status());
    // The head is rebuilt, but a Connection: close already decided (the connection's last request,
    // a drain) must stay: the client would otherwise send its next request into a closing connection.
    boolean closing = !http2 && "close".equalsIgnoreCase(response.headers().get(HttpHeaders.CONNECTION));
    response.headers().clear();
    if (closing) {
      response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    response.headers()
        .set(HttpHeaders.CONTENT_TYPE, JSON)
        .set(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()))
        .set(HttpHeaders.CACHE_CONTROL, "no-store");
    if (requestId != null) {
      response.headers().set(RequestIds.HEADER, requestId);
    }
    if (extraHeaders != null) {
      response.headers().addAll(extraHeaders);
    }
    if (retryAfterSeconds >= 0) {
      response.headers().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
    }
    if (http2) {
      // A stream's unread body cannot be mistaken for the next request, and closing the connection
      // would end the client's other streams.
      requestEnded = true;
    }
    if (!requestEnded) {
      response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    if (requestEnded) {
      response.end(body);
    } else {
      response.end(body).onComplete(v -> request.connection().close());
    }
  }

  private static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
  }
}
