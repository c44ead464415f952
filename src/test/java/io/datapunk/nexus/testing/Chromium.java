package io.datapunk.nexus.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's headless chromium driven through the DevTools protocol over the JDK's WebSocket client:
 * navigate, evaluate JavaScript, take a screenshot. No browser download, no driver.
 */
public final class Chromium implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/chromium");

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  private Chromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  public static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  /** Starts a headless chromium with a fresh profile and attaches to its first page. */
  public static Chromium start(int width, int height) throws Exception {
    Path profile = Files.createTempDirectory("nexus-chromium");
    Process p = new ProcessBuilder(BINARY.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--hide-scrollbars", "--remote-debugging-port=0", "--user-data-dir=" + profile,
        "--window-size=" + width + "," + height, "about:blank")
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("chromium did not start: " + Files.readString(profile.resolve("chromium.log")));
      }
      Thread.sleep(50); // polling a file the browser writes; not a synchronization with our own code
    }
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
    HttpClient http = HttpClient.newHttpClient();
    String wsUrl = null;
    while (wsUrl == null) {
      JsonArray targets = new JsonArray(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
          .build(), HttpResponse.BodyHandlers.ofString()).body());
      for (Object o : targets) {
        JsonObject t = (JsonObject) o;
        if ("page".equals(t.getString("type"))) {
          wsUrl = t.getString("webSocketDebuggerUrl");
          break;
        }
      }
      if (wsUrl == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("chromium has no page target");
        }
        Thread.sleep(50);
      }
    }
    Chromium[] self = new Chromium[1];
    StringBuilder frame = new StringBuilder();
    WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        frame.append(data);
        if (last) {
          JsonObject msg = new JsonObject(frame.toString());
          frame.setLength(0);
          Integer id = msg.getInteger("id");
          if (id != null && self[0] != null) {
            CompletableFuture<JsonObject> f = self[0].pending.remove(id);
            if (f != null) {
              f.complete(msg);
            }
          }
        }
        webSocket.request(1);
        return null;
      }
    }).get(30, TimeUnit.SECONDS);
    self[0] = new Chromium(p, profile, ws);
    return self[0];
  }

  /** Sends one DevTools command and returns its result (fails on a protocol error). */
  public JsonObject call(String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    pending.put(id, f);
    socket.sendText(new JsonObject().put("id", id).put("method", method).put("params", params).encode(), true)
        .get(30, TimeUnit.SECONDS);
    JsonObject msg = f.get(60, TimeUnit.SECONDS);
    if (msg.containsKey("error")) {
      throw new IllegalStateException(method + ": " + msg.getJsonObject("error").encode());
    }
    return msg.getJsonObject("result");
  }

  public void navigate(String url) throws Exception {
    call("Page.enable", new JsonObject());
    call("Page.navigate", new JsonObject().put("url", url));
  }

  /** Evaluates an expression in the page and returns its value (JSON types), or null. */
  public Object eval(String expression) throws Exception {
    JsonObject r = call("Runtime.evaluate", new JsonObject().put("expression", expression).put("returnByValue", true));
    if (r.containsKey("exceptionDetails")) {
      throw new IllegalStateException("page error: " + r.getJsonObject("exceptionDetails").encode());
    }
    return r.getJsonObject("result").getValue("value");
  }

  /** Saves a PNG of the page (the whole page when {@code fullPage}). */
  public byte[] screenshot(Path to) throws Exception {
    JsonObject r = call("Page.captureScreenshot", new JsonObject().put("format", "png").put("captureBeyondViewport", true));
    byte[] png = java.util.Base64.getDecoder().decode(r.getString("data"));
    Files.createDirectories(to.toAbsolutePath().getParent());
    Files.write(to, png);
    return png;
  }

  @Override
  public void close() throws IOException {
    socket.abort();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(profile)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // a leftover temp profile is harmless
    }
  }

}
