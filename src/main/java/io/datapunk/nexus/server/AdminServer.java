package io.datapunk.nexus.server;

import io.datapunk.nexus.config.AdminConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin plane on its own port: {@code /health/live} (the process serves), {@code /health/ready}
 * (the gateway takes traffic: started and not draining) and {@code /admin/services} (instances, health
 * and breaker state per service, read-only). Nothing here is reachable from the data port.
 */
public final class AdminServer {
  private final HttpServer server;
  private final BooleanSupplier ready;
  private final Supplier<String> services;

  private AdminServer(HttpServer server, BooleanSupplier ready, Supplier<String> services) {
    this.server = server;
    this.ready = ready;
    this.services = services;
  }

  static Future<AdminServer> start(Vertx vertx, AdminConfig config, BooleanSupplier ready, Supplier<String> services) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()));
    AdminServer admin = new AdminServer(server, ready, services);
    server.requestHandler(admin::handle);
    return server.listen(config.port()).map(s -> admin);
  }

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    switch (path) {
      case "/health/live" -> json(request, 200, "{\"status\": \"up\"}");
      case "/health/ready" -> {
        if (ready.getAsBoolean()) {
          json(request, 200, "{\"status\": \"ready\"}");
        } else {
          json(request, 503, "{\"status\": \"not_ready\"}");
        }
      }
      case "/admin/services" -> json(request, 200, services.get());
      default -> json(request, 404,
          io.datapunk.nexus.pipeline.ErrorResponse.body(io.datapunk.nexus.pipeline.GatewayError.NOT_FOUND,
              "No admin endpoint at this path.", ""));
    }
  }

  private static void json(HttpServerRequest request, int status, String body) {
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }
}
