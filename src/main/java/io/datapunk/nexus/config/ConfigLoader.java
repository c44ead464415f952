package io.datapunk.nexus.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.datapunk.nexus.observability.ObservabilityConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Reads YAML into a validated {@link NexusConfig}, collecting every error with its path. */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Function<String, String> env;

  /** A loader that resolves {@code ${VAR}} from the process environment. */
  public ConfigLoader() {
    this(System::getenv);
  }

  public ConfigLoader(Function<String, String> env) {
    this.env = env;
  }

  public NexusConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": cannot be read (" + e.getClass().getSimpleName() + ")"));
    }
    return parse(text);
  }

  public NexusConfig parse(String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new ConfigException(List.of("(file): not valid YAML" + where + " (expected: a YAML mapping)"));
    }
    List<String> errors = new ArrayList<>();
    ConfigSection top = new ConfigSection(root, "", errors, new EnvSubstitution(env));
    ServerConfig server = ServerConfig.read(top.section("server"));
    AdminConfig admin = AdminConfig.read(top.section("admin"));
    DiscoveryConfig discovery = DiscoveryConfig.read(top.section("discovery"));
    List<RouteConfig> routes = new ArrayList<>();
    Map<String, String> prefixes = new HashMap<>();
    for (Map.Entry<String, ConfigSection> e : top.namedSections("service_routes").entrySet()) {
      RouteConfig r = RouteConfig.read(e.getKey(), e.getValue(), discovery.type());
      if (r.prefix() != null) {
        String other = prefixes.putIfAbsent(r.prefix(), r.name());
        if (other != null) {
          e.getValue().error("prefix", r.prefix(), "a prefix not already used by service_routes." + other);
        }
      }
      routes.add(r);
    }
    ConfigSection network = top.section("network_optimization");
    PoolConfig pool = PoolConfig.read(network.section("connection_pooling"));
    CompressionConfig compression = CompressionConfig.read(network.section("compression"));
    network.finish();
    RedisConfig redis = RedisConfig.read(top.section("redis"));
    ObservabilityConfig observability = ObservabilityConfig.read(top.section("observability"));
    CacheStrategyConfig cache = CacheStrategyConfig.read(top.section("cache_strategy"));
    ReloadConfig reload = ReloadConfig.read(top.section("reload"));
    ApiGatewayConfig apiGateway = ApiGatewayConfig.read(top.section("api_gateway"));
    SecurityConfig security = SecurityConfig.read(top.section("security"));
    security.check(routes, errors);
    top.finish();
    if (server.port() != 0 && server.port() == admin.port()) {
      errors.add("admin.port: " + admin.port() + " (expected: a port other than server.port)");
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new NexusConfig(server, admin, List.copyOf(routes), pool, compression, redis, discovery, observability,
        cache, reload, apiGateway, security);
  }
}
