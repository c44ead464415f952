package io.datapunk.nexus.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.testing.GatewayProcess;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code nexus demo} as a newcomer runs it: the packaged jar, the four services behind one port. */
class DemoIT {
  @Test
  void theFourServicesAnswerThroughOnePort() throws Exception {
    int port = GatewayProcess.freePort();
    int admin = GatewayProcess.freePort();
    Path out = Files.createTempFile("nexus-demo", ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("nexus.jar", "target/nexus.jar"), "demo")
        .redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("NEXUS_PORT", Integer.toString(port));
    pb.environment().put("NEXUS_ADMIN_PORT", Integer.toString(admin));
    Process p = pb.start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      awaitReady(http, admin, p, out);
      JsonObject lake = get(http, port, "/storage/items?x=1");
      assertThat(lake.getString("service")).isEqualTo("lake");
      assertThat(lake.getString("path")).isEqualTo("/items");
      assertThat(lake.getString("query")).isEqualTo("x=1");
      assertThat(get(http, port, "/stream/events").getString("service")).isEqualTo("stream");
      assertThat(get(http, port, "/ai/predict").getString("service")).isEqualTo("cortex");
      assertThat(get(http, port, "/model/runs").getString("service")).isEqualTo("forge");

      HttpResponse<String> failing = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/storage/fail"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(failing.statusCode()).isEqualTo(502);
      assertThat(Files.readString(out)).contains("curl -s 'http://localhost:" + port + "/storage/items?x=1'");

      // The protected demo route: 401 without credentials, 200 with the printed JWT and API key.
      String printed = Files.readString(out);
      String jwt = printed.replaceAll("(?s).*demo JWT:\\s+(\\S+).*", "$1");
      String key = printed.replaceAll("(?s).*demo API key:\\s+(\\S+).*", "$1");
      URI secure = URI.create("http://127.0.0.1:" + port + "/secure/data");
      HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(secure).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
      HttpResponse<String> withJwt = http.send(HttpRequest.newBuilder(secure).header("Authorization", "Bearer " + jwt).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(withJwt.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(withJwt.body()).getJsonObject("headers").getString("x-auth-subject")).isEqualTo("demo-user");
      HttpResponse<String> withKey = http.send(HttpRequest.newBuilder(secure).header("X-Api-Key", key).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(withKey.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(withKey.body()).getJsonObject("headers").getString("x-auth-subject")).isEqualTo("demo-service");
    } finally {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }

  private static JsonObject get(HttpClient http, int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static void awaitReady(HttpClient http, int admin, Process p, Path out) throws Exception {
    Instant end = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(end)) {
      assertThat(p.isAlive()).as("demo exited: %s", Files.readString(out)).isTrue();
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not up yet
      }
      Thread.sleep(50);
    }
    throw new AssertionError("demo not ready: " + Files.readString(out));
  }
}
