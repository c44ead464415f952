package io.datapunk.nexus.observability;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** The JSON form of a {@link RecentErrors.Entry}, shared by the admin API and the summary. */
public final class RecentErrorsJson {
  private RecentErrorsJson() {}

  public static JsonObject of(RecentErrors.Entry e) {
    return new JsonObject()
        .put("time", Instant.ofEpochMilli(e.epochMillis()).toString())
        .put("request_id", e.requestId())
        .put("trace_id", e.traceId())
        .put("route", e.route())
        .put("method", e.method())
        .put("path", e.path())
        .put("status", e.status())
        .put("code", e.code());
  }
}
