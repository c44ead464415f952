package io.datapunk.nexus.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.datapunk.nexus.cli.Main;
import io.datapunk.nexus.testing.GatewayFixture;
import io.datapunk.nexus.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Service API keys end to end: created, rotated and revoked with the {@code nexus keys} CLI through the
 * admin API of a running gateway (no restart); old and new keys both work during the rotation overlap
 * and the old one stops after it; nothing the gateway logs or stores contains a key.
 */
class ApiKeyIT {
  private static final String TOKEN = "admin-token-for-tests-0123456789";
  private static final Pattern KEY = Pattern.compile("key:\\s+(nxk_[A-Za-z0-9_-]+)");
  private static final Pattern ID = Pattern.compile("id:\\s+([0-9a-f]+)");
  private static TestUpstream upstream;
  private static GatewayFixture gateway;
  private static Path dir;
  private static ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void start() throws Exception {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.datapunk").setLevel(ch.qos.logback.classic.Level.DEBUG);
    dir = Files.createTempDirectory("nexus-keys");
    upstream = TestUpstream.start();
    gateway = start(upstream, dir);
  }

  static GatewayFixture start(TestUpstream up, Path dir) {
    return GatewayFixture.start("""
        admin:
          port: 0
          token: ${TOKEN}
        observability:
          access_log:
            path: ${DIR}/access.log
          audit_log:
            path: ${DIR}/audit.log
        security:
          api_keys:
            file: ${DIR}/api-keys.json
        service_routes:
          svc:
            prefix: /svc
            service_url: ${UP}
            auth:
              policy: api_key
              scopes: [lake:read]
        network_optimization:
          connection_pooling:
            min_size: 0
        """, Map.of("UP", up.url(), "DIR", dir.toString(), "TOKEN", TOKEN));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  /** Runs {@code nexus keys ...} in-process against the gateway's admin port; returns its output. */
  private static String cli(String... args) {
    List<String> all = new ArrayList<>(List.of("keys"));
    all.add(args[0]);
    all.add("--admin=http://127.0.0.1:" + gateway.gateway.adminPort());
    all.add("--token=" + TOKEN);
    all.addAll(List.of(args).subList(1, args.length));
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      int code = Main.commandLine().execute(all.toArray(new String[0]));
      assertThat(code).as(out.toString()).isZero();
    } finally {
      System.setOut(old);
    }
    return out.toString();
  }

  private static String group(Pattern p, String text) {
    Matcher m = p.matcher(text);
    assertThat(m.find()).as(text).isTrue();
    return m.group(1);
  }

  private static HttpResponse<String> call(String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(gateway.uri("/svc/items")).timeout(Duration.ofSeconds(10));
    if (key != null) {
      b.header("X-Api-Key", key);
    }
    return gateway.send(b.GET().build());
  }

  @Test
  void rotationOverlapThenRevocationWithoutRestartAndNoKeyInAnyLog() throws Exception {
    String added = cli("add", "--owner=lake-sync", "--scopes=lake:read,lake:write", "--expires-in=90d");
    String id = group(ID, added);
    String first = group(KEY, added);

    HttpResponse<String> ok = call(first);
    assertThat(ok.statusCode()).isEqualTo(200);
    JsonObject seen = new JsonObject(ok.body()).getJsonObject("headers");
    assertThat(seen.getString("x-auth-method")).isEqualTo("api_key");
    assertThat(seen.getString("x-auth-subject")).isEqualTo("lake-sync");
    assertThat(seen.getString("x-auth-client-id")).isEqualTo(id);
    assertThat(seen.containsKey("x-api-key")).as("the key never reaches the service").isFalse();

    assertThat(call(null).statusCode()).isEqualTo(401);
    assertThat(call(first + "x").statusCode()).isEqualTo(401);
    assertThat(call("nxk_" + id + "_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").statusCode()).isEqualTo(401);

    // Rotation with a 3 s overlap: both keys work, then only the new one.
    String rotated = cli("rotate", id, "--overlap=3s");
    String second = group(KEY, rotated);
    assertThat(second).isNotEqualTo(first);
    assertThat(call(first).statusCode()).isEqualTo(200);
    assertThat(call(second).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
        .until(() -> call(first).statusCode() == 401);
    assertThat(call(second).statusCode()).isEqualTo(200);

    String listed = cli("list");
    assertThat(listed).contains(id).contains("lake-sync").doesNotContain(second);

    // The store survives a restart (hashes only).
    String stored = Files.readString(dir.resolve("api-keys.json"));
    assertThat(stored).contains(id).doesNotContain(first).doesNotContain(second);

    cli("revoke", id);
    assertThat(call(second).statusCode()).isEqualTo(401);

    // A key without the route's scope is authenticated but not allowed.
    String other = group(KEY, cli("add", "--owner=forge", "--scopes=forge:read"));
    assertThat(call(other).statusCode()).isEqualTo(403);

    // Neither the gateway's logs, nor its audit log, nor the store holds any key.
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("audit.log"))
        && Files.readString(dir.resolve("audit.log")).contains("api_key_revoked"));
    StringBuilder everything = new StringBuilder();
    for (ILoggingEvent e : logs.list) {
      everything.append(e.getFormattedMessage()).append('\n');
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        everything.append(Files.readString(f)).append('\n');
      }
    }
    String all = everything.toString();
    assertThat(all).contains("api_key_rotated").contains("auth_failed").contains("forbidden");
    for (String key : List.of(first, second, other)) {
      // The secret is what follows nxk_<id>_ (it may itself contain '_': base64url).
      String secret = key.substring(key.indexOf('_', ApiKeyStore.PREFIX.length()) + 1);
      assertThat(secret).hasSizeGreaterThanOrEqualTo(40);
      assertThat(all).doesNotContain(key).doesNotContain(secret);
    }
  }

  @Test
  void keysPersistAcrossARestart() throws Exception {
    Path own = Files.createTempDirectory("nexus-keys-restart");
    GatewayFixture first = start(upstream, own);
    String key;
    try {
      HttpResponse<String> r = first.send(HttpRequest.newBuilder(first.adminUri("/admin/api-keys"))
          .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"owner\":\"stream\",\"scopes\":[\"lake:read\"]}")).build());
      assertThat(r.statusCode()).isEqualTo(201);
      key = new JsonObject(r.body()).getString("key");
    } finally {
      first.close();
    }
    GatewayFixture second = start(upstream, own);
    try {
      HttpResponse<String> r = second.send(HttpRequest.newBuilder(second.uri("/svc/x")).header("X-Api-Key", key).GET().build());
      assertThat(r.statusCode()).isEqualTo(200);
    } finally {
      second.close();
    }
  }

  @Test
  void theAdminApiNeedsTheToken() {
    HttpResponse<String> none = gateway.send(HttpRequest.newBuilder(gateway.adminUri("/admin/api-keys")).GET().build());
    assertThat(none.statusCode()).isEqualTo(401);
    HttpResponse<String> wrong = gateway.send(HttpRequest.newBuilder(gateway.adminUri("/admin/api-keys"))
        .header("Authorization", "Bearer " + TOKEN + "x").GET().build());
    assertThat(wrong.statusCode()).isEqualTo(401);
    HttpResponse<String> viaData = gateway.send(HttpRequest.newBuilder(gateway.uri("/admin/api-keys"))
        .header("Authorization", "Bearer " + TOKEN).GET().build());
    assertThat(viaData.statusCode()).as("the admin API is not on the data port").isEqualTo(404);
  }
}
