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
  private final Path config;
  private final List<String> jvmFlags;

  private GatewayProcess(Process process, int port, int adminPort, Path log, Path config, List<String> jvmFlags) {
    this.process = process;
    this.port = port;
    this.adminPort = adminPort;
    this.log = log;
    this.config = config;
    this.jvmFlags = jvmFlags;
  }

  public static GatewayProcess start(String yaml, List<String> jvmFlags) throws Exception {
    return start(yaml, jvmFlags, freePort(), freePort());
  }

  /** As {@link #start(String, List)} on chosen ports (a front proxy's config names them). */
  public static GatewayProcess start(String yaml, List<String> jvmFlags, int port, int adminPort) throws Exception {
    Path dir = Files.createTempDirectory("nexus-proc");
    Path config = dir.resolve("nexus.yaml");
    Files.writeString(config, yaml.replace("${PORT}", Integer.toString(port))
        .replace("${ADMIN_PORT}", Integer.toString(adminPort)));
    return launch(config, jvmFlags, port, adminPort, dir.resolve("nexus.log"));
  }

  private static GatewayProcess launch(Path config, List<String> jvmFlags, int port, int adminPort, Path log)
      throws Exception {
    String jar = System.getProperty("nexus.jar", "target/nexus.jar");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-jar", jar, "run", "-c", config.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    GatewayProcess g = new GatewayProcess(p, port, adminPort, log, config, jvmFlags);
    g.awaitReady(Duration.ofSeconds(60));
    return g;
  }

  /** A new process on the same ports and config file (this one must have exited); same log file. */
  public GatewayProcess restart() throws Exception {
    if (process.isAlive()) {
      throw new IllegalStateException("still running");
    }
    return launch(config, jvmFlags, port, adminPort, log);
  }

  /** The config file the process runs with (rewrite it to test reloads). */
  public Path configFile() {
    return config;
  }

  /** Sends SIGTERM and waits for the exit; returns the exit status. */
  public int terminate(Duration timeout) throws Exception {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("gateway did not exit within " + timeout + " of SIGTERM: " + log());
    }
    return process.exitValue();
  }

  /** Sends SIGKILL and waits for the process to be gone. */
  public void kill() throws Exception {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** The admin endpoint's status code for a path, or -1 when nothing answers. */
  public int adminStatus(String path) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
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
