package io.datapunk.nexus.server;

import io.datapunk.nexus.admin.AdminCall;
import io.datapunk.nexus.pipeline.GatewayError;
import io.datapunk.nexus.proxy.HttpUpstream;
import io.datapunk.nexus.proxy.UpstreamServices;
import io.datapunk.nexus.resilience.RouteBreaker;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/** {@code POST /admin/breakers/{service}/open|close}: an operator forces a route's breaker open, or closes it. */
final class BreakerControl {
  private BreakerControl() {}

  static void handle(UpstreamServices services, AdminCall call) {
    HttpUpstream upstream = call.target() == null ? null : services.upstream(call.target());
    if (upstream == null) {
      call.fail(GatewayError.NOT_FOUND, "No service is named " + call.target() + ".");
      return;
    }
    RouteBreaker breaker = upstream.breaker();
    switch (call.operation()) {
      case "breaker.open" -> breaker.forceOpen();
      case "breaker.close" -> breaker.close();
      default -> {
        call.fail(GatewayError.NOT_FOUND, "No such breaker operation.");
        return;
      }
    }
    call.reply(200, new JsonObject().put("service", call.target())
        .put("state", breaker.state().name().toLowerCase(Locale.ROOT)));
  }
}
