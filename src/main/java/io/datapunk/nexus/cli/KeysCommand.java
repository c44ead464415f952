package io.datapunk.nexus.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nexus keys add|rotate|revoke|list}: manages service API keys through the admin API of a
 * running gateway (changes apply at once, without restart).
 */
@Command(name = "keys", description = "Manage service API keys through the admin API of a running gateway.",
    subcommands = {KeysCommand.Add.class, KeysCommand.Rotate.class, KeysCommand.Revoke.class, KeysCommand.ListKeys.class})
final class KeysCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Where the admin API is and how to authenticate to it. */
  static class AdminOptions {
    @Option(names = "--admin", description = "admin base URL (default: $NEXUS_ADMIN_URL or http://127.0.0.1:9000)")
    String admin;

    @Option(names = "--token", description = "admin token (default: $NEXUS_ADMIN_TOKEN)")
    String token;

    JsonObject call(String method, String path, JsonObject body) throws Exception {
      String base = admin != null ? admin : env("NEXUS_ADMIN_URL", "http://127.0.0.1:9000");
      String t = token != null ? token : env("NEXUS_ADMIN_TOKEN", null);
      if (t == null) {
        throw new IllegalArgumentException("an admin token is needed: --token or $NEXUS_ADMIN_TOKEN");
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + path))
          .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + t);
      if (body != null) {
        b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
      } else {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 204) {
        return new JsonObject();
      }
      JsonObject json = r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
      if (r.statusCode() >= 300) {
        JsonObject error = json.getJsonObject("error", new JsonObject());
        throw new IllegalStateException(r.statusCode() + " " + error.getString("message", "request failed"));
      }
      return json;
    }

    private static String env(String name, String def) {
      String v = System.getenv(name);
      return v == null || v.isBlank() ? def : v;
    }
  }

  abstract static class Base implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    AdminOptions admin = new AdminOptions();

    @Override
    public Integer call() {
      try {
        run();
        return 0;
      } catch (Exception e) {
        System.err.println("nexus keys: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        return 1;
      }
    }

    abstract void run() throws Exception;

    static void printKey(JsonObject k) {
      System.out.println("id:         " + k.getString("id"));
      System.out.println("owner:      " + k.getString("owner"));
      System.out.println("scopes:     " + String.join(" ", k.getJsonArray("scopes", new JsonArray()).stream().map(String::valueOf).toList()));
      System.out.println("expires_at: " + (k.getString("expires_at") == null ? "never" : k.getString("expires_at")));
    }
  }

  @Command(name = "add", description = "Create a key; it is printed once, store it now.")
  static final class Add extends Base {
    @Option(names = "--owner", required = true, description = "the service that will hold the key")
    String owner;

    @Option(names = "--scopes", split = ",", description = "scopes it grants, comma-separated")
    java.util.List<String> scopes = java.util.List.of();

    @Option(names = "--expires-in", description = "lifetime such as 90d or 12h (default: no expiry)")
    String expiresIn;

    @Override
    void run() throws Exception {
      JsonObject body = new JsonObject().put("owner", owner).put("scopes", new JsonArray(scopes));
      if (expiresIn != null) {
        body.put("expires_in", expiresIn);
      }
      JsonObject k = admin.call("POST", "/admin/api-keys", body);
      printKey(k);
      System.out.println("key:        " + k.getString("key") + "   (shown once: store it now)");
    }
  }

  @Command(name = "rotate", description = "Give a key a new secret; the old one works during the overlap.")
  static final class Rotate extends Base {
    @Parameters(index = "0", description = "key id")
    String id;

    @Option(names = "--overlap", description = "how long the old secret keeps working, such as 24h or 0 (default: security.api_keys.default_overlap)")
    String overlap;

    @Override
    void run() throws Exception {
      JsonObject body = new JsonObject();
      if (overlap != null) {
        body.put("overlap", overlap);
      }
      JsonObject k = admin.call("POST", "/admin/api-keys/" + id + "/rotate", body);
      printKey(k);
      System.out.println("key:        " + k.getString("key") + "   (shown once: store it now)");
      System.out.println("the previous key works until " + k.getString("previous_valid_until"));
    }
  }

  @Command(name = "revoke", description = "Revoke a key (every secret of it) at once.")
  static final class Revoke extends Base {
    @Parameters(index = "0", description = "key id")
    String id;

    @Override
    void run() throws Exception {
      admin.call("DELETE", "/admin/api-keys/" + id, null);
      System.out.println("revoked " + id);
    }
  }

  @Command(name = "list", description = "List keys (ids, owners, scopes, expiry; never the keys).")
  static final class ListKeys extends Base {
    @Override
    void run() throws Exception {
      JsonArray keys = admin.call("GET", "/admin/api-keys", null).getJsonArray("keys", new JsonArray());
      System.out.printf("%-14s %-16s %-24s %-26s %s%n", "ID", "OWNER", "SCOPES", "EXPIRES", "ROTATION ENDS");
      for (Object o : keys) {
        JsonObject k = (JsonObject) o;
        System.out.printf("%-14s %-16s %-24s %-26s %s%n", k.getString("id"), k.getString("owner"),
            String.join(",", k.getJsonArray("scopes", new JsonArray()).stream().map(String::valueOf).toList()),
            k.getString("expires_at") == null ? "never" : k.getString("expires_at"),
            k.getString("rotation_ends_at") == null ? "-" : k.getString("rotation_ends_at"));
      }
    }
  }
}
