package io.datapunk.nexus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GatewayStartIT {
  @Test
  void aPortInUseFailsTheStartPromptly() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
      NexusConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
          server: {port: %d, event_loops: 1}
          admin: {port: 0}
          service_routes:
            a: {prefix: /a, service_url: "http://127.0.0.1:1"}
          network_optimization:
            connection_pooling: {min_size: 0}
          """.formatted(taken.getLocalPort()));
      assertThatThrownBy(() -> Gateway.start(config).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .satisfies(e -> assertThat(e.getCause().getMessage()).containsIgnoringCase("address already in use"));
    }
  }
}
