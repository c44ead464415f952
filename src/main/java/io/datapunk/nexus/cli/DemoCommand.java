package io.datapunk.nexus.cli;

import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.demo.DemoUpstreams;
import io.datapunk.nexus.server.Gateway;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** {@code nexus demo}: the gateway on :8000 with built-in stand-ins for lake, stream, cortex and forge. */
@Command(name = "demo", description = "Run the gateway on :8000 (admin :9000) with built-in demo services.")
final class DemoCommand implements Callable<Integer> {
  static final List<String> SERVICES = List.of("lake", "stream", "cortex", "forge");

  @Override
  public Integer call() throws Exception {
    Vertx services = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    DemoUpstreams demo = DemoUpstreams.start(services, SERVICES).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    Map<String, String> env = new HashMap<>();
    String jwtSecret = DemoCredentials.randomSecret();
    env.put("DEMO_JWT_SECRET", jwtSecret);
    for (String s : SERVICES) {
      env.put("DEMO_" + s.toUpperCase(java.util.Locale.ROOT) + "_URL", demo.url(s));
    }
    NexusConfig config = new ConfigLoader(name -> env.containsKey(name) ? env.get(name) : System.getenv(name))
        .parse(resource("/demo.yaml"));
    Gateway gateway = Launch.start(config);
    if (gateway == null) {
      services.close();
      return 1;
    }
    String base = "http://localhost:" + gateway.port();
    String jwt = DemoCredentials.jwt(jwtSecret);
    String apiKey = gateway.auth().apiKeys().add("demo-service", java.util.Set.of("demo"), 0).key();
    System.out.println();
    System.out.println("Datapunk Nexus demo: gateway " + base + ", admin http://localhost:" + gateway.adminPort());
    System.out.println("Demo services (echo what they receive): lake /storage, stream /stream, cortex /ai, forge /model");
    System.out.println();
    System.out.println("  curl -s '" + base + "/storage/items?x=1'                    # lake, prefix stripped");
    System.out.println("  curl -s -X POST -d '{\"q\":1}' " + base + "/ai/predict        # cortex, body streamed");
    System.out.println("  curl -s " + base + "/model/status/503 -i                   # forge's own 503 passes through");
    System.out.println("  curl -s " + base + "/stream/slow?ms=8000                   # 504 after stream's 5 s timeout");
    System.out.println("  curl -s " + base + "/storage/fail                          # 502: the service drops the connection");
    System.out.println("  curl -s " + base + "/nowhere                               # 404: no route");
    System.out.println("  curl -s http://localhost:" + gateway.adminPort() + "/health/ready");
    String admin = "http://localhost:" + gateway.adminPort();
    String token = config.admin().token();
    System.out.println("  curl -s -H 'Authorization: Bearer " + token + "' " + admin + "/admin/summary");
    System.out.println();
    System.out.println("Dashboard: " + admin + "/#token=" + token + "   (admin token: " + token + ")");
    System.out.println("Metrics:   " + admin + "/metrics        Access log: JSON lines on stdout");
    System.out.println();
    System.out.println("The /secure route (cortex) needs a JWT or an API key with scope demo; these work for this run:");
    System.out.println("  demo JWT:     " + jwt);
    System.out.println("  demo API key: " + apiKey);
    System.out.println();
    System.out.println("  curl -s -i " + base + "/secure/data                          # 401 with WWW-Authenticate");
    System.out.println("  curl -s " + base + "/secure/data -H 'Authorization: Bearer " + jwt + "'");
    System.out.println("  curl -s " + base + "/secure/data -H 'X-Api-Key: " + apiKey + "'");
    System.out.println("  NEXUS_ADMIN_URL=" + admin + " NEXUS_ADMIN_TOKEN=" + token + " ./nexus keys list");
    System.out.println();
    System.out.println("Ctrl-C stops the demo.");
    Runtime.getRuntime().addShutdownHook(new Thread(services::close));
    Launch.awaitStop(gateway);
    return 0;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
