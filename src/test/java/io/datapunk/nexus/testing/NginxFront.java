package io.datapunk.nexus.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real NGINX running the project's front config, {@code deploy/nginx/nexus.conf}, unchanged except for
 * addresses: the {@code server nexus-N:8000} lines point at loopback gateway ports, {@code listen 8080}
 * becomes a loopback port and {@code /var/log/nginx/} a temp dir. Each replacement must match exactly
 * once, so the tested file and the deployed one cannot drift apart silently.
 */
public final class NginxFront implements AutoCloseable {
  public static final Path CONFIG = Path.of("deploy/nginx/nexus.conf");

  private final Process process;
  private final Path dir;
  private final Path main;
  private final int port;

  private NginxFront(Process process, Path dir, Path main, int port) {
    this.process = process;
    this.dir = dir;
    this.main = main;
    this.port = port;
  }

  public static String binary() {
    return Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
  }

  /** The front config with loopback addresses: gateway i of the list replaces {@code nexus-(i+1):8000}. */
  public static String render(String conf, int port, List<Integer> gatewayPorts, Path logDir) {
    String out = conf;
    for (int i = 0; i < gatewayPorts.size(); i++) {
      out = replaceOnce(out, "server nexus-" + (i + 1) + ":8000 ", "server 127.0.0.1:" + gatewayPorts.get(i) + " ");
    }
    if (out.lines().anyMatch(l -> !l.strip().startsWith("#") && l.contains("server nexus-"))) {
      throw new IllegalStateException("the front config names more gateways than the test started");
    }
    out = replaceOnce(out, "listen 8080 ", "listen 127.0.0.1:" + port + " ");
    return out.replace("/var/log/nginx/", logDir.toString() + "/");
  }

  private static String replaceOnce(String text, String from, String to) {
    int at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      throw new IllegalStateException("expected exactly one '" + from.trim() + "' in " + CONFIG);
    }
    return text.substring(0, at) + to + text.substring(at + from.length());
  }

  public static NginxFront start(List<Integer> gatewayPorts) throws Exception {
    Path dir = Files.createTempDirectory("nexus-nginx");
    int port = GatewayProcess.freePort();
    Files.writeString(dir.resolve("nexus.conf"), render(Files.readString(CONFIG), port, gatewayPorts, dir));
    // What the nginx image's own nginx.conf provides around conf.d/*.conf, with paths in the temp dir.
    String main = """
        worker_processes 1;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
            client_body_temp_path %1$s/client_body;
            proxy_temp_path %1$s/proxy;
            fastcgi_temp_path %1$s/fastcgi;
            uwsgi_temp_path %1$s/uwsgi;
            scgi_temp_path %1$s/scgi;
            include %1$s/nexus.conf;
        }
        """.formatted(dir);
    Path mainFile = dir.resolve("nginx.conf");
    Files.writeString(mainFile, main);
    Process test = new ProcessBuilder(binary(), "-t", "-c", mainFile.toString()).redirectErrorStream(true).start();
    String testOut = new String(test.getInputStream().readAllBytes());
    if (test.waitFor() != 0) {
      throw new IllegalStateException("nginx -t failed: " + testOut);
    }
    Process p = new ProcessBuilder(binary(), "-c", mainFile.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile()).start();
    NginxFront front = new NginxFront(p, dir, mainFile, port);
    Instant end = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(end)) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return front;
      } catch (IOException e) {
        if (!p.isAlive()) {
          throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("error.log")));
        }
        Thread.sleep(50);
      }
    }
    front.close();
    throw new IllegalStateException("nginx did not listen on " + port);
  }

  public int port() {
    return port;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** NGINX's access log (flushed every second) in the {@code nexus_front} format. */
  public List<String> accessLog() throws IOException {
    Path log = dir.resolve("nexus-access.log");
    return Files.exists(log) ? Files.readAllLines(log) : new ArrayList<>();
  }

  public String errorLog() throws IOException {
    Path log = dir.resolve("nexus-error.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
