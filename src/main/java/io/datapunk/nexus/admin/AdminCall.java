package io.datapunk.nexus.admin;

import io.datapunk.nexus.pipeline.ErrorResponse;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.IntConsumer;

/**
 * One authenticated admin request handed to a capability's {@link AdminHooks.Handler}: what to do
 * ({@link #operation()}, for example {@code cache.purge}), on what ({@link #target()}, a service or key
 * id from the path), with which JSON body; answered once with {@link #reply} or {@link #fail}.
 */
public final class AdminCall {
  private final HttpServerRequest request;
  private final String operation;
  private final String target;
  private final JsonObject body;
  private final String requestId;
  private final IntConsumer onEnd;
  private boolean ended;

  AdminCall(HttpServerRequest request, String operation, String target, JsonObject body, String requestId,
            IntConsumer onEnd) {
    this.request = request;
    this.operation = operation;
    this.target = target;
    this.body = body;
    this.requestId = requestId;
    this.onEnd = onEnd;
  }

  public String operation() {
    return operation;
  }

  /** The service name or key id from the path, or null. */
  public String target() {
    return target;
  }

  /** The JSON body (empty when none was sent). */
  public JsonObject body() {
    return body;
  }

  public String requestId() {
    return requestId;
  }

  /** The client's address, for the capability's own audit events. */
  public String client() {
    return request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
  }

  /** Answers with a JSON body. */
  public void reply(int status, JsonObject json) {
    if (ended) {
      return;
    }
    ended = true;
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(json.encode());
    onEnd.accept(status);
  }

  /** Answers with the error format. */
  public void fail(GatewayError error, String message) {
    if (ended) {
      return;
    }
    ended = true;
    request.response().setStatusCode(error.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(ErrorResponse.body(error, message, requestId));
    onEnd.accept(error.status());
  }
}
