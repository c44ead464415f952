package io.datapunk.nexus.testing;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on a loopback ephemeral port standing in for a Datapunk service. By default it
 * echoes the request as JSON; tests replace the handler. Counts connections (open now and ever) and
 * requests.
 */
public final class TestUpstream implements AutoCloseable {
  public final AtomicInteger connectionsOpened = new AtomicInteger();
  public final AtomicInteger connectionsOpen = new AtomicInteger();
  public final AtomicInteger maxConnectionsOpen = new AtomicInteger();
  public final AtomicInteger requests = new AtomicInteger();
  private final Vertx vertx;
  private final HttpServer server;
  private volatile Handler<HttpServerRequest> handler = TestUpstream::echo;

  private TestUpstream(Vertx vertx, HttpServerOptions options) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer(options);
    server.connectionHandler(c -> {
      connectionsOpened.incrementAndGet();
      int now = connectionsOpen.incrementAndGet();
      maxConnectionsOpen.accumulateAndGet(now, Math::max);
      c.closeHandler(v -> connectionsOpen.decrementAndGet());
    });
    server.requestHandler(r -> {
      requests.incrementAndGet();
      handler.handle(r);
    });
  }

  public static TestUpstream start() {
    return start(new HttpServerOptions());
  }

  public static TestUpstream start(HttpServerOptions options) {
    return start(options, 0);
  }

  /** A server on a given port, e.g. to restart an instance where it was (0: any free port). */
  public static TestUpstream start(int port) {
    return start(new HttpServerOptions(), port);
  }

  public static TestUpstream start(HttpServerOptions options, int port) {
    TestUpstream u = new TestUpstream(Vertx.vertx(), options);
    await(u.server.listen(port, "127.0.0.1"));
    return u;
  }

  public TestUpstream handler(Handler<HttpServerRequest> handler) {
    this.handler = handler;
    return this;
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Answers with a JSON echo of method, path, query, headers (lower-case names) and body size. */
  public static void echo(HttpServerRequest r) {
    r.body().onSuccess(body -> {
      JsonObject headers = new JsonObject();
      r.headers().forEach(e -> {
        String k = e.getKey().toLowerCase(Locale.ROOT);
        headers.put(k, headers.containsKey(k) ? headers.getString(k) + "," + e.getValue() : e.getValue());
      });
      r.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("method", r.method().name())
          .put("uri", r.uri())
          .put("path", r.path())
          .put("query", r.query())
          .put("headers", headers)
          .put("body", body.toString())
          .encode());
    });
  }

  @Override
  public void close() {
    await(vertx.close());
  }

  public static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
