package io.datapunk.nexus.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayProcess;
import io.datapunk.nexus.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The gateway process and its signals: SIGHUP reloads the config file, SIGTERM drains and exits 0. */
class SignalsIT {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static String config(String routes) {
    return """
        server: {port: ${PORT}, event_loops: 1, drain_timeout: 5s}
        admin: {port: ${ADMIN_PORT}}
        reload: {watch: false}
        network_optimization:
          connection_pooling: {min_size: 0}
        service_routes:
        """ + routes;
  }

  static int status(GatewayProcess g, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void sighupReloadsAndSigtermExitsZero() throws Exception {
    try (TestUpstream lake = TestUpstream.start();
         GatewayProcess nexus = GatewayProcess.start(config("  lake: {prefix: /storage, service_url: \"" + lake.url()
             + "\"}\n"), HaIT.JVM)) {
      assertThat(status(nexus, "/model/x")).isEqualTo(404);
      String withForge = config("  lake: {prefix: /storage, service_url: \"" + lake.url() + "\"}\n"
          + "  forge: {prefix: /model, service_url: \"" + lake.url() + "\"}\n");
      Files.writeString(nexus.configFile(), withForge.replace("${PORT}", Integer.toString(nexus.port()))
          .replace("${ADMIN_PORT}", Integer.toString(nexus.adminPort())));
      Thread.sleep(200); // reload.watch is off: only the signal can apply it
      assertThat(status(nexus, "/model/x")).isEqualTo(404);

      new ProcessBuilder("kill", "-HUP", Long.toString(nexus.process().pid())).start().waitFor();

      await().atMost(Duration.ofSeconds(20)).until(() -> status(nexus, "/model/x") == 200);
      assertThat(nexus.log()).contains("config generation 2 applied (signal)");
      assertThat(nexus.process().isAlive()).isTrue();

      assertThat(nexus.terminate(Duration.ofSeconds(30))).isZero();
      assertThat(nexus.log()).contains("nexus draining").contains("nexus drained in");
    }
  }
}
