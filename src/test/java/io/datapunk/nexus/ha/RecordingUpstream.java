package io.datapunk.nexus.ha;

import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.http.HttpMethod;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lake stand-in for load tests: a small fixed answer to GETs, and every POST's X-Request-Id counted
 * in a map shared by all instances, so a POST that reached the services twice shows as a count of 2.
 */
final class RecordingUpstream implements AutoCloseable {
  final TestUpstream server = TestUpstream.start();
  /** GETs and POSTs served (the gateway's warm-up HEADs are not counted). */
  final AtomicLong served = new AtomicLong();

  RecordingUpstream(Map<String, AtomicInteger> posts) {
    server.handler(req -> {
      if (req.method() == HttpMethod.HEAD) {
        req.response().end();
        return;
      }
      served.incrementAndGet();
      if (req.method() == HttpMethod.POST) {
        String id = req.getHeader("X-Request-Id");
        req.body().onSuccess(body -> {
          posts.computeIfAbsent(id == null ? "(none)" : id, k -> new AtomicInteger()).incrementAndGet();
          req.response().putHeader("content-type", "application/json").end("{\"stored\": " + body.length() + "}");
        });
      } else {
        req.response().putHeader("content-type", "application/json").end("{\"items\": [1, 2, 3]}");
      }
    });
  }

  static Map<String, AtomicInteger> newPostLog() {
    return new ConcurrentHashMap<>();
  }

  /** POST ids that reached the services more than once. */
  static long duplicates(Map<String, AtomicInteger> posts) {
    return posts.values().stream().filter(n -> n.get() > 1).count();
  }

  String url() {
    return server.url();
  }

  @Override
  public void close() {
    server.close();
  }
}
