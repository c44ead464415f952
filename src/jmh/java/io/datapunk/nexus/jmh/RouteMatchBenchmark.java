package io.datapunk.nexus.jmh;

import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.routing.Route;
import io.datapunk.nexus.routing.RouteTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Route match (pipeline step 3): {@link RouteTable#match} by longest prefix on a segment boundary, over
 * the proposal's four routes plus 50 more (versions, nested prefixes, neighbours sharing leading
 * characters), as a config file would declare them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteMatchBenchmark {
  /** A path of the proposal's lake route, one under a short prefix, one of the other 50, and a 404. */
  @Param({"/storage/datasets/sales-2024/items/42", "/ai/v1/completions", "/billing/v2/invoices/2024-07",
      "/unknown/path/x"})
  public String path;

  private RouteTable table;

  @Setup
  public void setUp() {
    table = table();
  }

  @Benchmark
  public Route match() {
    return table.match(path);
  }

  /** The four proposal routes and 50 more. */
  static RouteTable table() {
    StringBuilder yaml = new StringBuilder("service_routes:\n");
    yaml.append("  lake: {prefix: /storage, service_url: \"http://lake:8001\"}\n");
    yaml.append("  stream: {prefix: /stream, service_url: \"http://stream:8002\"}\n");
    yaml.append("  cortex: {prefix: /ai, service_url: \"http://cortex:8003\"}\n");
    yaml.append("  forge: {prefix: /model, service_url: \"http://forge:8004\"}\n");
    String[] services = {"billing", "users", "orders", "search", "catalog", "payments", "inventory", "reports",
        "notifications", "auth", "audit", "files", "media", "geo", "pricing", "reviews", "shipping"};
    int n = 0;
    for (String s : services) {
      for (String version : new String[] {"", "/v2", "/v3"}) {
        if (n == 50) {
          break;
        }
        String name = s + (version.isEmpty() ? "" : "_" + version.substring(1));
        yaml.append("  ").append(name).append(": {prefix: /").append(s).append(version)
            .append(", service_url: \"http://").append(s).append(":80\"}\n");
        n++;
      }
    }
    NexusConfig config = new ConfigLoader(Map.<String, String>of()::get).parse(yaml.toString());
    List<Route> routes = new ArrayList<>();
    for (RouteConfig rc : config.routes()) {
      routes.add(new Route(rc, new Filter[0], exchange -> { }));
    }
    if (routes.size() != 54) {
      throw new IllegalStateException("expected 54 routes, got " + routes.size());
    }
    return new RouteTable(routes);
  }
}
