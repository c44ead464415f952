package io.datapunk.nexus.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in its own JVM, started from the packaged jar ({@code target/nexus.jar}, built by the
 * package phase before integration tests) with chosen JVM flags, on free ports. The config YAML must
 * contain {@code ${PORT}} and {@code ${ADMIN_PORT}}, which are filled in here.
 */
public final class GatewayProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final int adminPort;
  private final Path log;

  private GatewayProcess(Process process, int port, int adminPort, Path log) {
    this.process = process;
    this.port = port;
    this.adminPort = adminPort;
    this.log = log;
  }

  public static GatewayProcess start(String yaml, List<String> jvmFlags) throws Exception {
    int port = freePort();
    int adminPort = freePort();
    Path dir = Files.createTempDirectory("nexus-proc");
    Path config = dir.resolve("nexus.yaml");
    Files.writeString(config, yaml.replace("${PORT}", Integer.toString(port))
        .replace("${ADMIN_PORT}", Integer.toString(adminPort)));
    String jar = System.getProperty("nexus.jar", "target/nexus.jar");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-jar", jar, "run", "-c", config.toString()));
    Path log = dir.resolve("nexus.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    GatewayProcess g = new GatewayProcess(p, port, adminPort, log);
    g.awaitReady(Duration.ofSeconds(30));
    return g;
  }

  private void awaitReady(Duration timeout) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("gateway exited: " + Files.readString(log));
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health/ready"))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("gateway not ready in " + timeout + ": " + Files.readString(log));
  }

  public int port() {
    return port;
  }

  public int adminPort() {
    return adminPort;
  }

  public Process process() {
    return process;
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
