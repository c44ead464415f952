package io.datapunk.nexus.testing;

import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.server.Gateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A real gateway started in the test JVM from a YAML string, on ephemeral data and admin ports
 * ({@code server.port} and {@code admin.port} default to 0 here). {@code ${NAME}} in the YAML is
 * replaced from the given variables. When the YAML has no {@code admin:} section the admin API gets
 * {@link #ADMIN_TOKEN}, and {@link #send} adds it to requests for {@code /admin/} on the admin port.
 */
public final class GatewayFixture implements AutoCloseable {
  /** The admin token of fixtures whose YAML has no {@code admin:} section. */
  public static final String ADMIN_TOKEN = "fixture-admin-token-0123456789";
  public final Gateway gateway;
  /** HTTP/1.1 only: a default Java client would upgrade to h2c, which tests of HTTP/2 ask for explicitly. */
  public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final boolean fixtureToken;

  private GatewayFixture(Gateway gateway, boolean fixtureToken) {
    this.gateway = gateway;
    this.fixtureToken = fixtureToken;
  }

  public static GatewayFixture start(String yaml, Map<String, String> vars) {
    return start(yaml, vars, java.time.Clock.systemUTC());
  }

  /** As {@link #start(String, Map)}, with the clock of the circuit breakers. */
  public static GatewayFixture start(String yaml, Map<String, String> vars, java.time.Clock clock) {
    String full = yaml;
    if (!yaml.contains("server:")) {
      full = "server:\n  port: 0\n  event_loops: 2\n" + full;
    }
    boolean fixtureToken = !yaml.contains("admin:");
    if (fixtureToken) {
      full = "admin:\n  port: 0\n  token: " + ADMIN_TOKEN + "\n" + full;
    }
    NexusConfig config = new ConfigLoader(vars::get).parse(full);
    return new GatewayFixture(TestUpstream.await(Gateway.start(config, clock)), fixtureToken);
  }

  public int port() {
    return gateway.port();
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
  }

  public URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.adminPort() + path);
  }

  public HttpResponse<String> get(String pathAndQuery) {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET().build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    if (fixtureToken && request.uri().getPort() == gateway.adminPort() && request.uri().getPath().startsWith("/admin/")
        && request.headers().firstValue("Authorization").isEmpty()) {
      request = HttpRequest.newBuilder(request, (name, value) -> true)
          .header("Authorization", "Bearer " + ADMIN_TOKEN).build();
    }
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    TestUpstream.await(gateway.stop());
  }
}
