package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Many clients that hang up at once while their requests wait for or use upstream connections (a
 * load generator stopping, a client-side timeout storm): whatever the gateway then does with the
 * abandoned upstream connections, the service is healthy and must not be reported as failing.
 */
class ClientAbortIT {
  private static final int CLIENTS = 256;
  private static final Buffer BODY = Buffer.buffer(new byte[256 * 1024]);

  @Test
  void aStormOfClientHangUpsNeverOpensTheBreakerOfAHealthyService() throws Exception {
    try (TestUpstream lake = TestUpstream.start().handler(r -> r.response().end(BODY));
         GatewayFixture nexus = GatewayFixture.start("""
             network_optimization:
               connection_pooling: {min_size: 0, max_size: 100}
             service_routes:
               lake:
                 prefix: /storage
                 service_url: ${LAKE}
                 circuit_breaker: {failure_rate_threshold: 50, window_size: 20, minimum_calls: 10, wait_in_open: 30s}
             """, Map.of("LAKE", lake.url()))) {
      for (int round = 0; round < 4; round++) {
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          Socket s = new Socket(InetAddress.getLoopbackAddress(), nexus.port());
          s.getOutputStream().write(("GET /storage/" + i + " HTTP/1.1\r\nHost: nexus\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          clients.add(s);
        }
        // Some answers are under way (the first bytes arrive), most wait for a pooled connection.
        readSome(clients.get(0).getInputStream());
        for (Socket s : clients) {
          s.setSoLinger(true, 0);
          s.close();
        }
      }
      Thread.sleep(300);
      for (int i = 0; i < 20; i++) {
        assertThat(nexus.get("/storage/after-" + i).statusCode()).as("request %d after the hang-ups", i).isEqualTo(200);
      }
      assertThat(nexus.gateway.services().get(0).breaker().state()).isEqualTo("closed");
    }
  }

  private static void readSome(InputStream in) throws IOException {
    byte[] b = new byte[4096];
    in.read(b);
  }
}
