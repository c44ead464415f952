package io.datapunk.nexus.observability;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.ExchangeListener;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.routing.Route;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;

/**
 * The access log: one JSON line per request. On the event loop it only copies a dozen values that
 * already exist into an {@link Entry}; the JSON is built by the {@link LogWriter} thread. What it
 * writes is a fixed list of fields: no header, no query string and no body is ever written, so
 * credentials (Authorization, API keys, cookies, token query parameters) cannot reach the log.
 */
public final class AccessLog implements ExchangeListener {
  private final LogWriter writer;

  public AccessLog(LogWriter writer) {
    this.writer = writer;
  }

  @Override
  public void onComplete(Exchange exchange) {
    long end = System.nanoTime();
    HttpServerRequest request = exchange.request();
    SocketAddress remote = request.remoteAddress();
    Route route = exchange.route();
    GatewayError error = exchange.error();
    TraceContext trace = exchange.trace();
    writer.offer(new Entry(System.currentTimeMillis(), exchange.requestId(), trace.traceId(), trace.spanId(),
        remote == null ? null : remote.hostAddress(), request.method().name(), request.path(),
        route == null ? null : route.name(), request.response().getStatusCode(), request.response().bytesWritten(),
        end - exchange.startNanos(), exchange.upstreamInstance(), exchange.upstreamNanos(), exchange.cacheResult(),
        exchange.retries(), error == null ? null : error.code(), request.response().ended()));
  }

  /** One request, as logged. Durations in nanoseconds (upstream: -1 when no response head arrived). */
  record Entry(long epochMillis, String requestId, String traceId, String spanId, String client, String method,
               String path, String route, int status, long bytes, long durationNanos, String upstream,
               long upstreamNanos, String cache, int retries, String error, boolean completed)
      implements LogWriter.Line {
    @Override
    public void writeJson(JsonOut o) throws IOException {
      o.raw("{\"time\":\"").time(epochMillis).raw("\",\"log\":\"access\",\"request_id\":").string(requestId)
          .raw(",\"trace_id\":").string(traceId).raw(",\"span_id\":").string(spanId)
          .raw(",\"client\":").string(client).raw(",\"method\":").string(method)
          .raw(",\"path\":").string(path).raw(",\"route\":").string(route)
          .raw(",\"status\":").number(status).raw(",\"bytes\":").number(bytes)
          .raw(",\"duration_ms\":").millis(durationNanos).raw(",\"upstream\":").string(upstream)
          .raw(",\"upstream_ms\":").millis(upstreamNanos).raw(",\"cache\":").string(cache)
          .raw(",\"retries\":").number(retries).raw(",\"error\":").string(error)
          .raw(",\"completed\":").bool(completed).raw("}");
    }
  }
}
