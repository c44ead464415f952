package io.datapunk.nexus.observability;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.ExchangeListener;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.routing.Route;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The audit log of security events, kept apart from the access log (its own destination, one JSON
 * line per event with {@code "log":"audit"}). As an {@link ExchangeListener} it records every request
 * the gateway refused for authentication ({@code auth_failed}, {@code forbidden}) or rate
 * ({@code rate_limited}); other capabilities and the admin API record their events (key changes,
 * admin actions, admin login failures) with {@link #event}. Callers pass no secret: an event names a
 * key by its id, never by its value.
 */
public final class AuditLog implements ExchangeListener {
  private final LogWriter writer;

  /** An audit log writing to {@code writer}; null writes nothing (audit_log.enabled: false). */
  public AuditLog(LogWriter writer) {
    this.writer = writer;
  }

  @Override
  public void onComplete(Exchange exchange) {
    GatewayError error = exchange.error();
    if (error == null || writer == null) {
      return;
    }
    String event = switch (error) {
      case AUTH -> "auth_failed";
      case FORBIDDEN -> "forbidden";
      case RATE_LIMIT -> "rate_limited";
      default -> null;
    };
    if (event == null) {
      return;
    }
    SocketAddress remote = exchange.request().remoteAddress();
    Route route = exchange.route();
    Map<String, String> details = new LinkedHashMap<>();
    details.put("route", route == null ? null : route.name());
    details.put("method", exchange.request().method().name());
    details.put("path", exchange.request().path());
    event(event, remote == null ? null : remote.hostAddress(), exchange.requestId(), details);
  }

  /**
   * Records one security event.
   *
   * @param event what happened, a short snake_case word ({@code api_key_rotated}, {@code admin_auth_failed})
   * @param client the client address, or null
   * @param requestId the request id, or null
   * @param details more fields (never secrets), written in order
   */
  public void event(String event, String client, String requestId, Map<String, String> details) {
    if (writer == null) {
      return;
    }
    writer.offer(new Event(System.currentTimeMillis(), event, client, requestId,
        details == null ? Map.of() : new LinkedHashMap<>(details)));
  }

  record Event(long epochMillis, String event, String client, String requestId, Map<String, String> details)
      implements LogWriter.Line {
    @Override
    public void writeJson(JsonOut o) throws IOException {
      o.raw("{\"time\":\"").time(epochMillis).raw("\",\"log\":\"audit\",\"event\":").string(event)
          .raw(",\"client\":").string(client).raw(",\"request_id\":").string(requestId);
      for (Map.Entry<String, String> e : details.entrySet()) {
        o.raw(",").string(e.getKey()).raw(":").string(e.getValue());
      }
      o.raw("}");
    }
  }
}
