package io.datapunk.nexus.admin;

import io.datapunk.nexus.config.AdminConfig;
import io.datapunk.nexus.pipeline.ErrorResponse;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.pipeline.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The admin plane on its own port. Open to all: {@code /health/live} (the process serves) and
 * {@code /health/ready} (started, not draining). Open to the allow-list: {@code /metrics}
 * (Prometheus), the dashboard page ({@code /}) and {@code /openapi.json}. Allow-list and bearer token:
 * everything under {@code /admin/}. Nothing here is reachable from the data port.
 */
public final class AdminServer {
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private static final Map<String, Asset> ASSETS = new LinkedHashMap<>();

  static {
    ASSETS.put("/", new Asset("dashboard.html", "text/html; charset=utf-8"));
    ASSETS.put("/dashboard.js", new Asset("dashboard.js", "text/javascript; charset=utf-8"));
    ASSETS.put("/dashboard.css", new Asset("dashboard.css", "text/css; charset=utf-8"));
    ASSETS.put("/openapi.json", new Asset("openapi.json", "application/json"));
  }

  private record Asset(String resource, String type) {
    Buffer load() {
      try (InputStream in = AdminServer.class.getResourceAsStream("/admin/" + resource)) {
        if (in == null) {
          throw new IllegalStateException("missing resource /admin/" + resource);
        }
        return Buffer.buffer(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final HttpServer server;
  private final AdminConfig config;
  private final BooleanSupplier ready;
  private final AdminApi api;
  private final byte[] tokenHash;
  private final Map<String, Buffer> assets = new LinkedHashMap<>();

  private AdminServer(HttpServer server, AdminConfig config, BooleanSupplier ready, AdminApi api) {
    this.server = server;
    this.config = config;
    this.ready = ready;
    this.api = api;
    this.tokenHash = config.token() == null ? null : sha256(config.token());
    ASSETS.forEach((path, asset) -> assets.put(path, asset.load()));
  }

  /** Starts the admin listener and the dashboard's sampler. */
  public static Future<AdminServer> start(Vertx vertx, AdminConfig config, BooleanSupplier ready, AdminApi api) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()));
    AdminServer admin = new AdminServer(server, config, ready, api);
    server.requestHandler(admin::handle);
    long interval = Math.max(100, api.observability().config().sampleInterval().toMillis());
    return server.listen(config.port()).map(s -> {
      vertx.setPeriodic(interval, id -> api.observability().history().sample());
      return admin;
    });
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/health/live")) {
      plain(request, 200, "application/json", "{\"status\": \"up\"}");
      return;
    }
    if (path.equals("/health/ready")) {
      if (ready.getAsBoolean()) {
        plain(request, 200, "application/json", "{\"status\": \"ready\"}");
      } else {
        plain(request, 503, "application/json", "{\"status\": \"not_ready\"}");
      }
      return;
    }
    String requestId = RequestIds.generate();
    String client = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    if (!config.allow().allows(client)) {
      audit("admin_forbidden", client, requestId, path);
      error(request, GatewayError.FORBIDDEN, "This address may not use the admin port.", requestId);
      return;
    }
    if (path.equals("/metrics") && request.method() == HttpMethod.GET) {
      plain(request, 200, "text/plain; version=0.0.4; charset=utf-8", api.observability().metrics().scrape());
      return;
    }
    Buffer asset = assets.get(path);
    if (asset != null && request.method() == HttpMethod.GET) {
      request.response().setStatusCode(200)
          .putHeader(HttpHeaders.CONTENT_TYPE, ASSETS.get(path).type())
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .putHeader("Content-Security-Policy", CSP)
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Referrer-Policy", "no-referrer")
          .end(asset);
      return;
    }
    if (path.startsWith("/admin/")) {
      if (tokenHash == null) {
        error(request, GatewayError.FORBIDDEN, "The admin API is off: set admin.token to turn it on.", requestId);
        return;
      }
      if (!authorized(request.getHeader(HttpHeaders.AUTHORIZATION))) {
        audit("admin_auth_failed", client, requestId, path);
        request.response().putHeader("WWW-Authenticate", "Bearer realm=\"nexus-admin\"");
        error(request, GatewayError.AUTH, "A valid admin bearer token is required.", requestId);
        return;
      }
      api.handle(request, path.substring("/admin/".length()), requestId);
      return;
    }
    error(request, GatewayError.NOT_FOUND, "No admin endpoint at this path.", requestId);
  }

  /** Compares the presented token with the configured one in constant time (hashes of equal length). */
  private boolean authorized(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      // Hash anyway so a missing header takes as long as a wrong one.
      MessageDigest.isEqual(sha256(""), tokenHash);
      return false;
    }
    return MessageDigest.isEqual(sha256(header.substring(7).trim()), tokenHash);
  }

  private void audit(String event, String client, String requestId, String path) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("path", path);
    api.observability().audit().event(event, client, requestId, details);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void error(HttpServerRequest request, GatewayError error, String message, String requestId) {
    if (request.response().ended()) {
      return;
    }
    request.response().setStatusCode(error.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader(RequestIds.HEADER, requestId)
        .end(ErrorResponse.body(error, message, requestId));
  }

  private static void plain(HttpServerRequest request, int status, String type, String body) {
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, type)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }
}
