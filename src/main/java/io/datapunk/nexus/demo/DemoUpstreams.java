package io.datapunk.nexus.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stand-ins for the four Datapunk services, for {@code nexus demo}: each echoes what it received as
 * JSON. {@code /slow?ms=N} answers after N ms (default 60000) to show the route timeout, {@code /fail}
 * drops the connection to show a 502, {@code /status/N} answers with status N.
 */
public final class DemoUpstreams {
  /** Echoed request bodies are cut at this size; the full byte count is still reported. */
  static final int MAX_ECHOED_BODY = 64 * 1024;

  private final Map<String, HttpServer> servers = new LinkedHashMap<>();

  private DemoUpstreams() {}

  /** Starts one echo server per service name on loopback ephemeral ports. */
  public static Future<DemoUpstreams> start(Vertx vertx, List<String> services) {
    DemoUpstreams demo = new DemoUpstreams();
    List<Future<?>> all = new ArrayList<>();
    for (String service : services) {
      HttpServer server = vertx.createHttpServer().requestHandler(r -> handle(service, r));
      demo.servers.put(service, server);
      all.add(server.listen(0, "127.0.0.1"));
    }
    return Future.all(all).map(v -> demo);
  }

  /** Serves one stand-in on a chosen address ({@code nexus demo-service}, one container per service). */
  public static Future<HttpServer> serve(Vertx vertx, String service, String host, int port) {
    return vertx.createHttpServer().requestHandler(r -> handle(service, r)).listen(port, host);
  }

  /** The base URL of a service's stand-in. */
  public String url(String service) {
    return "http://127.0.0.1:" + servers.get(service).actualPort();
  }

  private static void handle(String service, HttpServerRequest req) {
    String path = req.path();
    if (path.equals("/fail")) {
      req.connection().close();
      return;
    }
    if (path.startsWith("/status/")) {
      int status = parse(path.substring("/status/".length()), 200);
      if (status < 200 || status > 599) {
        status = 400;
      }
      req.response().setStatusCode(status).end();
      return;
    }
    Buffer body = Buffer.buffer();
    long[] total = {0};
    req.handler(chunk -> {
      total[0] += chunk.length();
      if (body.length() < MAX_ECHOED_BODY) {
        body.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ECHOED_BODY - body.length()));
      }
    });
    req.endHandler(v -> {
      JsonObject headers = new JsonObject();
      req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
      JsonObject echo = new JsonObject()
          .put("service", service)
          .put("method", req.method().name())
          .put("path", path)
          .put("query", req.query())
          .put("headers", headers)
          .put("body_bytes", total[0])
          .put("body", body.toString());
      long delay = path.equals("/slow") ? parse(req.getParam("ms"), 60_000) : 0;
      Runnable answer = () -> req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(echo.encodePrettily() + "\n");
      if (delay > 0) {
        req.response().closeHandler(x -> {});
        Vertx.currentContext().owner().setTimer(delay, t -> {
          if (!req.response().closed()) {
            answer.run();
          }
        });
      } else {
        answer.run();
      }
    });
  }

  private static int parse(String s, int def) {
    try {
      return s == null ? def : Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return def;
    }
  }
}
