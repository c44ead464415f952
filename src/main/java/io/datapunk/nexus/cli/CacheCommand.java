package io.datapunk.nexus.cli;

import io.datapunk.nexus.config.AdminConfig;
import io.datapunk.nexus.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nexus cache purge|stats}: the response cache's admin API from the command line. The admin
 * address and token come from the options, else {@code $NEXUS_ADMIN_URL} / {@code $NEXUS_ADMIN_TOKEN},
 * else the config file's {@code admin} section.
 */
@Command(name = "cache", description = "Purge the response cache or show its figures (through the admin API).",
    subcommands = {CacheCommand.Purge.class, CacheCommand.Stats.class})
final class CacheCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Where and how to reach the admin API. */
  static final class Admin {
    @Option(names = "--admin", description = "admin base URL (default: $NEXUS_ADMIN_URL, else from the config's admin section)")
    String url;

    @Option(names = "--token", description = "admin bearer token (default: $NEXUS_ADMIN_TOKEN, else admin.token)")
    String token;

    @Option(names = {"-c", "--config"}, description = "config file for the defaults (default: $NEXUS_CONFIG or config/nexus.yaml)")
    Path config;

    HttpResponse<String> send(String method, String path, String body) throws Exception {
      AdminConfig fromFile = null;
      Path file = ConfigFiles.resolve(config);
      if ((url == null || token == null) && Files.isRegularFile(file)) {
        try {
          fromFile = new ConfigLoader().load(file).admin();
        } catch (RuntimeException e) {
          fromFile = null;
        }
      }
      String base = first(url, System.getenv("NEXUS_ADMIN_URL"),
          fromFile == null ? null : "http://" + loopbackFor(fromFile.host()) + ":" + fromFile.port(),
          "http://127.0.0.1:9000");
      String bearer = first(token, System.getenv("NEXUS_ADMIN_TOKEN"), fromFile == null ? null : fromFile.token(), "");
      HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + path))
          .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + bearer);
      r = body == null ? r.GET() : r.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
      return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String loopbackFor(String host) {
      return host == null || host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    private static String first(String... values) {
      for (String v : values) {
        if (v != null && !v.isBlank()) {
          return v;
        }
      }
      return null;
    }
  }

  static int print(HttpResponse<String> response) {
    if (response.statusCode() == 200) {
      System.out.println(response.body());
      return 0;
    }
    System.err.println("nexus cache: the admin API answered " + response.statusCode() + ": " + response.body());
    return 1;
  }

  @Command(name = "purge", mixinStandardHelpOptions = true, description = "Drop cached responses on every instance: by key (URL), path, prefix, route or tag.")
  static final class Purge implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @picocli.CommandLine.Mixin
    AdminMixin admin;

    static final class Target {
      @Option(names = "--key", description = "one URL as clients send it, e.g. /storage/items?x=1 (every caller and variant)")
      String key;

      @Option(names = "--path", description = "one path, every query, e.g. /storage/items")
      String path;

      @Option(names = "--prefix", description = "every path starting with this, e.g. /storage/items/")
      String prefix;

      @Option(names = "--route", description = "a whole route, by name (namespace bump), e.g. lake")
      String route;

      @Option(names = "--tag", description = "every entry whose Cache-Tag lists this tag")
      String tag;
    }

    @Override
    public Integer call() throws Exception {
      JsonObject body = new JsonObject();
      if (target.key != null) {
        body.put("key", target.key);
      } else if (target.path != null) {
        body.put("path", target.path);
      } else if (target.prefix != null) {
        body.put("prefix", target.prefix);
      } else if (target.route != null) {
        body.put("route", target.route);
      } else {
        body.put("tag", target.tag);
      }
      try {
        return print(admin.admin.send("POST", "/admin/cache/purge", body.encode()));
      } catch (java.io.IOException e) {
        System.err.println("nexus cache: the admin API cannot be reached (" + e.getClass().getSimpleName() + ")");
        return 1;
      }
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = "Print the cache's figures from /admin/summary (hit ratio, hits, misses, entries and bytes per tier).")
  static final class Stats implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    AdminMixin admin;

    @Override
    public Integer call() throws Exception {
      try {
        HttpResponse<String> r = admin.admin.send("GET", "/admin/summary", null);
        if (r.statusCode() != 200) {
          return print(r);
        }
        JsonObject cache = new JsonObject(r.body()).getJsonObject("cache");
        System.out.println(cache == null ? "{}" : cache.encodePrettily());
        return 0;
      } catch (java.io.IOException e) {
        System.err.println("nexus cache: the admin API cannot be reached (" + e.getClass().getSimpleName() + ")");
        return 1;
      }
    }
  }

  /** The admin options, shared by the subcommands. */
  static final class AdminMixin {
    @ArgGroup(exclusive = false)
    Admin admin = new Admin();
  }
}
