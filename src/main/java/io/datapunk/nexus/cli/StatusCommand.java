package io.datapunk.nexus.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexus status}: the dashboard's summary in the terminal, read from the admin API. */
@Command(name = "status", description = "Print the gateway's state (services, latency, errors, cache) from its admin API.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = {"-a", "--admin"}, description = "admin URL (default: $NEXUS_ADMIN_URL or http://127.0.0.1:9000)")
  String admin;

  @Option(names = {"-t", "--token"}, description = "admin token (default: $NEXUS_ADMIN_TOKEN)")
  String token;

  @Option(names = "--errors", description = "recent errors to show (default: 5)")
  int errors = 5;

  PrintStream out = System.out;
  PrintStream err = System.err;

  @Override
  public Integer call() {
    String base = admin != null ? admin : env("NEXUS_ADMIN_URL", "http://127.0.0.1:9000");
    String tok = token != null ? token : env("NEXUS_ADMIN_TOKEN", null);
    if (tok == null) {
      err.println("nexus status: no admin token (use --token or set NEXUS_ADMIN_TOKEN)");
      return 2;
    }
    JsonNode s;
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + "/admin/summary"))
          .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + tok).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      s = new ObjectMapper().readTree(r.body());
      if (r.statusCode() != 200) {
        String message = s.path("error").path("message").asText("HTTP " + r.statusCode());
        err.println("nexus status: " + base + " answered " + r.statusCode() + ": " + message);
        return 1;
      }
    } catch (Exception e) {
      err.println("nexus status: cannot reach " + base + " (" + e.getClass().getSimpleName() + ")");
      return 1;
    }
    print(s);
    return 0;
  }

  void print(JsonNode s) {
    out.printf(Locale.ROOT, "Nexus at %s: up %s%n%n", admin != null ? admin : env("NEXUS_ADMIN_URL", "http://127.0.0.1:9000"),
        duration(s.path("uptime_seconds").asLong()));
    out.printf(Locale.ROOT, "%-12s %-11s %-10s %9s %8s %9s %9s %9s %10s  %s%n", "SERVICE", "AVAILABLE", "BREAKER",
        "REQ/S", "ERR%", "P50", "P99", "IN-FLIGHT", "REQUESTS", "INSTANCES");
    for (JsonNode svc : s.path("services")) {
      String name = svc.path("name").asText();
      if (name.equals("unmatched") && svc.path("requests_total").asLong() == 0) {
        continue;
      }
      StringBuilder inst = new StringBuilder();
      int up = 0;
      int total = 0;
      for (JsonNode i : svc.path("instances")) {
        total++;
        if (i.path("healthy").asBoolean()) {
          up++;
        } else {
          inst.append(inst.length() == 0 ? " down: " : ", ").append(i.path("address").asText());
        }
      }
      out.printf(Locale.ROOT, "%-12s %-11s %-10s %9.1f %8s %9s %9s %9d %10d  %s%n", name,
          svc.has("available") ? (svc.path("available").asBoolean() ? "yes" : "NO") : "-",
          svc.path("breaker").asText("-"), svc.path("rps").asDouble(), pct(svc.path("error_ratio")),
          ms(svc.path("p50_ms")), ms(svc.path("p99_ms")), svc.path("in_flight").asLong(),
          svc.path("requests_total").asLong(), svc.has("instances") ? up + "/" + total + " up" + inst : "-");
    }
    JsonNode cache = s.path("cache");
    out.println();
    if (cache.path("configured").asBoolean()) {
      out.printf(Locale.ROOT, "Cache: hit rate %s (%d hits, %d misses); L1 %d entries, %d bytes; L2 %d entries, %d bytes%n",
          pct(cache.path("hit_ratio")), cache.path("hits_total").asLong(), cache.path("misses_total").asLong(),
          cache.path("l1_entries").asLong(), cache.path("l1_bytes").asLong(), cache.path("l2_entries").asLong(),
          cache.path("l2_bytes").asLong());
    } else {
      out.println("Cache: no cache configured (0 entries, no hit rate)");
    }
    out.printf(Locale.ROOT, "Rate-limit rejections: %d    Errors since start: %d%n",
        s.path("rate_limit_rejections_total").asLong(), s.path("errors_total").asLong());
    JsonNode recent = s.path("recent_errors");
    if (recent.size() > 0 && errors > 0) {
      out.println();
      out.println("Recent errors:");
      int n = 0;
      for (JsonNode e : recent) {
        if (n++ >= errors) {
          break;
        }
        out.printf(Locale.ROOT, "  %s  %d %-13s %-10s %s %s  (request %s)%n", e.path("time").asText(),
            e.path("status").asInt(), e.path("code").asText(), e.path("route").asText(), e.path("method").asText(),
            e.path("path").asText(), e.path("request_id").asText());
      }
    }
  }

  private static String pct(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, "%.1f%%", v.asDouble() * 100) : "-";
  }

  private static String ms(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, "%.1fms", v.asDouble()) : "-";
  }

  private static String duration(long seconds) {
    return seconds < 120 ? seconds + "s" : seconds < 7200 ? (seconds / 60) + "m" : (seconds / 3600) + "h" + (seconds % 3600 / 60) + "m";
  }

  private static String env(String name, String def) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? def : v;
  }
}
