package io.datapunk.nexus.cache;

import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real service for cache tests. It answers {@code PATH:N:lang=..:auth=..} where N counts the calls
 * for that path, and takes its response headers from the query: {@code cc} (Cache-Control),
 * {@code vary}, {@code tag} (Cache-Tag), {@code size} (a body of that many bytes), {@code delay} (ms),
 * {@code status}. {@link #failing} makes it drop every connection.
 */
final class CacheUpstream {
  final TestUpstream server = TestUpstream.start();
  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  volatile boolean failing;
  final AtomicInteger notModified = new AtomicInteger();
  volatile int failStatus;
  volatile String version = "v1";
  /** A delay (ms) for the next request only. */
  final java.util.concurrent.atomic.AtomicLong delayNext = new java.util.concurrent.atomic.AtomicLong();

  CacheUpstream() {
    server.handler(this::handle);
  }

  int calls(String path) {
    AtomicInteger n = calls.get(path);
    return n == null ? 0 : n.get();
  }

  String url() {
    return server.url();
  }

  private void handle(HttpServerRequest r) {
    r.body().onSuccess(b -> {
      if (failing) {
        r.connection().close();
        return;
      }
      int n = calls.computeIfAbsent(r.path(), p -> new AtomicInteger()).incrementAndGet();
      if (failStatus > 0) {
        r.response().setStatusCode(failStatus).end("failure");
        return;
      }
      if (!r.method().name().equals("GET") && !r.method().name().equals("HEAD")) {
        r.response().setStatusCode(204).end();
        return;
      }
      String cc = r.getParam("cc", "max-age=60");
      var resp = r.response();
      if (!cc.isEmpty()) {
        resp.putHeader("Cache-Control", cc);
      }
      if (r.getParam("vary") != null) {
        resp.putHeader("Vary", r.getParam("vary"));
      }
      if (r.getParam("tag") != null) {
        resp.putHeader("Cache-Tag", r.getParam("tag"));
      }
      if (r.getParam("status") != null) {
        resp.setStatusCode(Integer.parseInt(r.getParam("status")));
      }
      if (r.getParam("etag") != null) {
        String tag = "\"" + r.getParam("etag") + "\"";
        resp.putHeader("ETag", tag);
        if (tag.equals(r.getHeader("If-None-Match"))) {
          notModified.incrementAndGet();
          resp.setStatusCode(304).end();
          return;
        }
      } else {
        resp.putHeader("ETag", "\"" + version + "-" + n + "\"");
      }
      resp.putHeader("Content-Type", "text/plain");
      String body;
      if (r.getParam("size") != null) {
        body = "x".repeat(Integer.parseInt(r.getParam("size")));
      } else {
        body = r.path() + ":" + n + ":" + version + ":lang=" + r.getHeader("Accept-Language") + ":auth="
            + r.getHeader("Authorization");
      }
      if (r.getParam("chunked") != null) {
        resp.setChunked(true);
      }
      long delay = Long.parseLong(r.getParam("delay", "0")) + delayNext.getAndSet(0);
      if (delay > 0) {
        server.vertx().setTimer(delay, t -> resp.end(body));
      } else {
        resp.end(body);
      }
    });
  }

  void close() {
    server.close();
  }
}
