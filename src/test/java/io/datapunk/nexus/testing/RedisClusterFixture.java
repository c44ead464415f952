package io.datapunk.nexus.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real 6-node Redis Cluster (3 masters, 3 replicas) of Debian's redis-server on loopback, started by
 * a test and removed after it. Nodes run with a 2 s node timeout and replica validity factor 0, so a
 * killed master's replica takes over in a few seconds.
 */
public final class RedisClusterFixture implements AutoCloseable {
  private final Path dir;
  private final List<Integer> ports = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  private RedisClusterFixture(Path dir) {
    this.dir = dir;
  }

  public static RedisClusterFixture start() throws Exception {
    RedisClusterFixture f = new RedisClusterFixture(Files.createTempDirectory("nexus-redis"));
    try {
      f.launch();
      return f;
    } catch (Exception e) {
      f.close();
      throw e;
    }
  }

  private void launch() throws Exception {
    for (int i = 0; i < 6; i++) {
      int port = freePortWithBus();
      ports.add(port);
      Path nodeDir = Files.createDirectories(dir.resolve("n" + port));
      processes.add(startNode(port, nodeDir));
    }
    for (int port : ports) {
      waitFor(() -> cli(port, "ping").contains("PONG"), Duration.ofSeconds(10), "redis node " + port + " up");
    }
    List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    for (int port : ports) {
      create.add("127.0.0.1:" + port);
    }
    create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    run(create, Duration.ofSeconds(30));
    for (int port : ports) {
      waitFor(() -> cli(port, "cluster", "info").contains("cluster_state:ok"), Duration.ofSeconds(20),
          "cluster state ok on " + port);
    }
    for (int port : ports) {
      waitFor(() -> {
        String info = cli(port, "info", "replication");
        return info.contains("role:master") || info.contains("master_link_status:up");
      }, Duration.ofSeconds(20), "replica of " + port + " in sync");
    }
  }

  private Process startNode(int port, Path nodeDir) throws IOException {
    return new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--cluster-enabled", "yes", "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
        "--cluster-node-timeout", "2000", "--cluster-replica-validity-factor", "0",
        "--dir", nodeDir.toString(), "--appendonly", "no", "--save", "",
        "--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru", "--protected-mode", "no")
        .redirectErrorStream(true).redirectOutput(nodeDir.resolve("redis.log").toFile()).start();
  }

  /** Seed nodes as {@code host:port}, for the {@code redis.nodes} config key. */
  public List<String> nodes() {
    List<String> out = new ArrayList<>();
    for (int p : ports) {
      out.add("127.0.0.1:" + p);
    }
    return out;
  }

  /** The YAML flow list of the nodes, e.g. {@code ["127.0.0.1:21000", ...]}. */
  public String nodesYaml() {
    StringBuilder b = new StringBuilder("[");
    for (String n : nodes()) {
      b.append(b.length() > 1 ? ", " : "").append('"').append(n).append('"');
    }
    return b.append(']').toString();
  }

  public List<Integer> ports() {
    return List.copyOf(ports);
  }

  /** Ports of the nodes that are masters now. */
  public List<Integer> masters() {
    List<Integer> out = new ArrayList<>();
    for (int p : ports) {
      if (isAlive(p) && cli(p, "info", "replication").contains("role:master")) {
        out.add(p);
      }
    }
    return out;
  }

  /** Kills a node with SIGKILL. */
  public void kill(int port) throws InterruptedException {
    Process p = processes.get(ports.indexOf(port));
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  /** Freezes a node (SIGSTOP): it keeps its connections but answers nothing, like a very slow Redis. */
  public void pause(int port) throws Exception {
    signal(port, "-STOP");
  }

  /** Lets a paused node run again (SIGCONT). */
  public void resume(int port) throws Exception {
    signal(port, "-CONT");
  }

  private void signal(int port, String signal) throws Exception {
    long pid = processes.get(ports.indexOf(port)).pid();
    run(List.of("kill", signal, Long.toString(pid)), Duration.ofSeconds(5));
  }

  /** Stops every node (SIGKILL). */
  public void killAll() throws InterruptedException {
    for (int p : ports) {
      kill(p);
    }
  }

  /** Runs redis-cli against a node and returns its output ("" on failure). */
  public String cli(int port, String... args) {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
    cmd.addAll(List.of(args));
    try {
      return run(cmd, Duration.ofSeconds(5));
    } catch (Exception e) {
      return "";
    }
  }

  /** Waits until every slot is served again (after a failover). */
  public void awaitHealthy(Duration timeout) throws Exception {
    waitFor(() -> {
      for (int p : ports) {
        if (isAlive(p) && cli(p, "cluster", "info").contains("cluster_state:ok")) {
          return true;
        }
      }
      return false;
    }, timeout, "cluster state ok");
  }

  private boolean isAlive(int port) {
    return processes.get(ports.indexOf(port)).isAlive();
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // temp dir; best effort
    }
  }

  private static String run(List<String> cmd, Duration timeout) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + String.join(" ", cmd));
    }
    return new String(p.getInputStream().readAllBytes());
  }

  private static void waitFor(java.util.function.BooleanSupplier ok, Duration timeout, String what)
      throws InterruptedException {
    Instant end = Instant.now().plus(timeout);
    while (!ok.getAsBoolean()) {
      if (Instant.now().isAfter(end)) {
        throw new IllegalStateException("redis cluster: gave up waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  /** A port p with p and p + 10000 (the cluster bus) both free. */
  private static int freePortWithBus() throws IOException {
    for (int i = 0; i < 200; i++) {
      int p = ThreadLocalRandom.current().nextInt(20000, 30000);
      if (free(p) && free(p + 10000)) {
        return p;
      }
    }
    throw new IOException("no free port pair for a redis node");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
