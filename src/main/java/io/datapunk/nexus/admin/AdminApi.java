package io.datapunk.nexus.admin;

import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.observability.Observability;
import io.datapunk.nexus.observability.RecentErrors;
import io.datapunk.nexus.observability.RecentErrorsJson;
import io.datapunk.nexus.observability.ServiceStates;
import io.datapunk.nexus.pipeline.ErrorResponse;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.routing.Route;
import io.datapunk.nexus.routing.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The token-protected endpoints under {@code /admin/} (see the OpenAPI document at
 * {@code /openapi.json}). Read endpoints are answered here; endpoints that change another
 * capability's state go to that capability's {@link AdminHooks.Handler}, or answer 501 until one is
 * registered. Every change is written to the audit log with its outcome.
 */
public final class AdminApi {
  /** Largest admin request body accepted. */
  static final int MAX_BODY = 64 * 1024;
  /** Recent errors included in the summary. */
  static final int SUMMARY_ERRORS = 20;

  private final Supplier<NexusConfig> config;
  private final Supplier<RouteTable> routes;
  private final Observability observability;
  private final Supplier<String> servicesJson;

  /**
   * @param servicesJson the resilience capability's detailed {@code /admin/services} document (instances with
   *     weights, ejections, breaker rates, retries), or null for the observability view
   */
  public AdminApi(Supplier<NexusConfig> config, Supplier<RouteTable> routes, Observability observability,
                  Supplier<String> servicesJson) {
    this.config = config;
    this.routes = routes;
    this.observability = observability;
    this.servicesJson = servicesJson;
  }

  Observability observability() {
    return observability;
  }

  /** Serves an authenticated request; {@code path} is what follows {@code /admin/}. */
  void handle(HttpServerRequest request, String path, String requestId) {
    String[] parts = path.split("/", -1);
    HttpMethod method = request.method();
    boolean get = method == HttpMethod.GET;
    boolean post = method == HttpMethod.POST;
    switch (parts[0]) {
      case "summary" -> {
        if (get && parts.length == 1) {
          observability.metrics().refreshServices();
          json(request, 200, observability.history().summary(SUMMARY_ERRORS));
          return;
        }
      }
      case "routes" -> {
        if (get && parts.length == 1) {
          json(request, 200, new JsonObject().put("routes", routes()));
          return;
        }
      }
      case "config" -> {
        if (get && parts.length == 1) {
          json(request, 200, (JsonObject) ConfigView.of(config.get()));
          return;
        }
        if (post && parts.length == 2 && parts[1].equals("reload")) {
          delegate(request, AdminHooks.Capability.CONFIG_RELOAD, "config.reload", null, requestId);
          return;
        }
      }
      case "services" -> {
        if (get && parts.length == 1) {
          json(request, 200, servicesJson != null ? new JsonObject(servicesJson.get())
              : new JsonObject().put("services", services()));
          return;
        }
      }
      case "breakers" -> {
        if (get && parts.length == 1) {
          JsonArray out = new JsonArray();
          for (ServiceStates.ServiceState s : observability.metrics().serviceStates().services()) {
            out.add(new JsonObject().put("service", s.name()).put("state", s.breaker()));
          }
          json(request, 200, new JsonObject().put("breakers", out));
          return;
        }
        if (post && parts.length == 3 && (parts[2].equals("open") || parts[2].equals("close")) && !parts[1].isEmpty()) {
          delegate(request, AdminHooks.Capability.BREAKERS, "breaker." + parts[2], parts[1], requestId);
          return;
        }
      }
      case "cache" -> {
        if (post && parts.length == 2 && parts[1].equals("purge")) {
          delegate(request, AdminHooks.Capability.CACHE_PURGE, "cache.purge", null, requestId);
          return;
        }
      }
      case "api-keys" -> {
        if (parts.length == 1 && (get || post)) {
          delegate(request, AdminHooks.Capability.API_KEYS, get ? "api_keys.list" : "api_keys.create", null, requestId);
          return;
        }
        if (parts.length == 3 && post && parts[2].equals("rotate") && !parts[1].isEmpty()) {
          delegate(request, AdminHooks.Capability.API_KEYS, "api_keys.rotate", parts[1], requestId);
          return;
        }
        if (parts.length == 2 && method == HttpMethod.DELETE && !parts[1].isEmpty()) {
          delegate(request, AdminHooks.Capability.API_KEYS, "api_keys.revoke", parts[1], requestId);
          return;
        }
      }
      case "errors" -> {
        if (get && parts.length == 1) {
          JsonArray out = new JsonArray();
          List<RecentErrors.Entry> list = observability.recentErrors().list();
          for (RecentErrors.Entry e : list) {
            out.add(RecentErrorsJson.of(e));
          }
          json(request, 200, new JsonObject().put("capacity", observability.recentErrors().capacity())
              .put("total", observability.recentErrors().total()).put("errors", out));
          return;
        }
      }
      default -> {
        // falls through to 404
      }
    }
    AdminServer.error(request, GatewayError.NOT_FOUND, "No admin endpoint for this method and path.", requestId);
  }

  private JsonArray routes() {
    JsonArray out = new JsonArray();
    for (Route r : routes.get().routes()) {
      JsonArray filters = new JsonArray();
      for (Filter f : r.filters()) {
        filters.add(f.getClass().getSimpleName());
      }
      JsonObject view = (JsonObject) ConfigView.of(r.config());
      out.add(view.put("filters", filters));
    }
    return out;
  }

  private JsonArray services() {
    JsonArray out = new JsonArray();
    for (ServiceStates.ServiceState s : observability.metrics().serviceStates().services()) {
      JsonArray instances = new JsonArray();
      for (ServiceStates.InstanceState i : s.instances()) {
        instances.add(new JsonObject().put("address", i.address()).put("healthy", i.healthy()));
      }
      out.add(new JsonObject().put("name", s.name()).put("available", s.available()).put("breaker", s.breaker())
          .put("instances", instances));
    }
    return out;
  }

  /** Hands a call to the capability that owns it (501 when none registered), auditing the outcome. */
  private void delegate(HttpServerRequest request, AdminHooks.Capability capability, String operation, String target,
                        String requestId) {
    String client = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    Map<String, String> details = new LinkedHashMap<>();
    details.put("operation", operation);
    details.put("target", target);
    AdminHooks.Handler handler = observability.adminHooks().handler(capability);
    if (handler == null) {
      // Read the (bounded) body anyway so the connection stays usable.
      readBody(request).onComplete(ar -> {
        AdminServer.error(request, GatewayError.NOT_IMPLEMENTED, capability.notImplemented(), requestId);
        details.put("status", "501");
        if (request.method() != HttpMethod.GET) {
          observability.audit().event("admin_action", client, requestId, details);
        }
      });
      return;
    }
    readBody(request).onComplete(ar -> {
      if (ar.failed()) {
        AdminServer.error(request, ar.cause() instanceof BodyTooLarge ? GatewayError.BODY_TOO_LARGE : GatewayError.VALIDATION,
            ar.cause() instanceof BodyTooLarge ? "The request body is over 64 KiB." : "The request body must be a JSON object.",
            requestId);
        return;
      }
      AdminCall call = new AdminCall(request, operation, target, ar.result(), requestId, status -> {
        if (request.method() != HttpMethod.GET) {
          details.put("status", Integer.toString(status));
          observability.audit().event("admin_action", client, requestId, details);
        }
      });
      try {
        handler.handle(call);
      } catch (RuntimeException e) {
        call.fail(GatewayError.INTERNAL, "The admin operation failed; see the gateway log for request " + requestId + ".");
        org.slf4j.LoggerFactory.getLogger(AdminApi.class).error("admin {} failed (request {})", operation, requestId, e);
      }
    });
  }

  private static final class BodyTooLarge extends RuntimeException {
    BodyTooLarge() {
      super(null, null, false, false);
    }
  }

  /** The JSON object body (empty when none), at most {@link #MAX_BODY} bytes. */
  private static Future<JsonObject> readBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > MAX_BODY) {
          return Future.failedFuture(new BodyTooLarge());
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(new IllegalArgumentException());
      }
    }
    Promise<JsonObject> promise = Promise.promise();
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BODY) {
        promise.tryFail(new BodyTooLarge());
        request.connection().close();
        return;
      }
      body.appendBuffer(chunk);
    });
    request.exceptionHandler(promise::tryFail);
    request.endHandler(v -> {
      if (body.length() == 0) {
        promise.tryComplete(new JsonObject());
        return;
      }
      try {
        promise.tryComplete(new JsonObject(body));
      } catch (DecodeException | ClassCastException e) {
        promise.tryFail(new IllegalArgumentException());
      }
    });
    return promise.future();
  }

  static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encode());
  }

  static String errorBody(GatewayError error, String message, String requestId) {
    return ErrorResponse.body(error, message, requestId);
  }
}
