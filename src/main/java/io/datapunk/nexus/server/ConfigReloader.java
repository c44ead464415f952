package io.datapunk.nexus.server;

import io.datapunk.nexus.config.ConfigException;
import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.ReloadConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.proxy.UpstreamServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of a running gateway's config file. A reload reads and validates the whole file first
 * and keeps the running config on any error (reported, and logged). A valid config is applied in
 * one step: its route table (routes, filters with their policies, upstreams) is built aside, new pools
 * are warmed, then the table is swapped in atomically. Requests in flight finish on the route they
 * matched; client connections are untouched; the pool of every service whose settings are unchanged
 * is kept with its open connections, and pools no longer used close after {@code server.drain_timeout}.
 *
 * <p>Settings read once at start (the listeners, the admin port, Redis, the Consul agent, metrics and logs) are not changed by a reload; a
 * result lists those that differ as needing a restart. Reloads run one at a time, in request order.
 */
public final class ConfigReloader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

  /** Sections of the config only read at start, compared to report what needs a restart. */
  private static final Set<String> RESTART_ONLY = Set.of("server", "admin", "redis", "discovery", "observability",
      "security");
  /** Settings inside those sections that are read when used, so a reload does apply them. */
  private static final Set<String> APPLIED_WHEN_USED = Set.of("server.drain_timeout");

  private final Gateway gateway;
  private final Vertx vertx;
  private final Path file;
  private final ConfigLoader loader;
  private Future<ReloadResult> tail = Future.succeededFuture();
  private volatile ReloadResult last;
  private long generation = 1;
  /** The bytes of the file in force (null: the gateway started from another source). */
  private volatile byte[] applied;
  /** The bytes the watch last acted on, applied or rejected, so a bad file is reported once. */
  private volatile byte[] seen;
  private long watchTimer = -1;
  private volatile boolean stopped;

  ConfigReloader(Gateway gateway, Path file) {
    this(gateway, file, new ConfigLoader());
  }

  ConfigReloader(Gateway gateway, Path file, ConfigLoader loader) {
    this.gateway = gateway;
    this.vertx = gateway.vertx();
    this.file = file;
    this.loader = loader;
    try {
      byte[] now = Files.readAllBytes(file);
      // The gateway was started from this file: it is the one in force unless it changed since.
      if (Objects.equals(String.valueOf(loader.parse(new String(now, StandardCharsets.UTF_8))),
          String.valueOf(gateway.config()))) {
        applied = now;
        seen = now;
      }
    } catch (IOException | RuntimeException e) {
      // The watch will report the problem at its first check.
    }
  }

  /** The config file this reloader reads. */
  public Path file() {
    return file;
  }

  /** The last reload's result, or null before the first. */
  public ReloadResult last() {
    return last;
  }

  /** Reloads now; completes with the result (never fails). Reloads queue behind each other. */
  public synchronized Future<ReloadResult> reload(String trigger) {
    tail = tail.transform(ignored -> attempt(trigger, false));
    return tail;
  }

  /** Checks the file every {@code reload.watch_interval} when {@code reload.watch} is on. */
  synchronized void watch(ReloadConfig config) {
    if (!config.watch() || stopped) {
      return;
    }
    watchTimer = vertx.setPeriodic(config.watchInterval().toMillis(), id -> check());
  }

  private void check() {
    vertx.executeBlocking(() -> Files.readAllBytes(file), false).onSuccess(bytes -> {
      if (!stopped && !Arrays.equals(bytes, seen)) {
        synchronized (this) {
          tail = tail.transform(ignored -> attempt("file", true));
        }
      }
    });
  }

  /** Stops watching; a reload in progress completes. */
  public synchronized void stop() {
    stopped = true;
    if (watchTimer >= 0) {
      vertx.cancelTimer(watchTimer);
      watchTimer = -1;
    }
  }

  private Future<ReloadResult> attempt(String trigger, boolean onlyIfChanged) {
    return vertx.executeBlocking(() -> read(trigger, onlyIfChanged), false)
        .compose(this::apply)
        .recover(e -> {
          // A bug, never a config problem: the running config stays, and the log says why.
          LOG.error("config reload failed", e);
          return Future.succeededFuture(ReloadResult.rejected(trigger, generation,
              List.of("(reload): the new config could not be applied; the running config is unchanged (see the log)")));
        })
        .onSuccess(this::report);
  }

  /** A config read and validated off the event loop, or the reason it cannot be used. */
  private record Candidate(String trigger, byte[] bytes, NexusConfig config, List<String> errors, boolean unchanged) {}

  private Candidate read(String trigger, boolean onlyIfChanged) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return new Candidate(trigger, null, null, List.of(file + ": cannot be read (" + e.getClass().getSimpleName() + ")"),
          false);
    }
    if (onlyIfChanged && Arrays.equals(bytes, seen)) {
      return new Candidate(trigger, bytes, null, List.of(), true);
    }
    seen = bytes;
    if (Arrays.equals(bytes, applied)) {
      return new Candidate(trigger, bytes, null, List.of(), true);
    }
    try {
      return new Candidate(trigger, bytes, loader.parse(new String(bytes, StandardCharsets.UTF_8)), List.of(), false);
    } catch (ConfigException e) {
      return new Candidate(trigger, bytes, null, e.errors(), false);
    }
  }

  private Future<ReloadResult> apply(Candidate c) {
    if (stopped) {
      return Future.succeededFuture(ReloadResult.rejected(c.trigger(), generation,
          List.of("(reload): the gateway is stopping; the running config is unchanged")));
    }
    if (c.unchanged()) {
      return Future.succeededFuture(ReloadResult.unchanged(c.trigger(), generation));
    }
    if (c.config() == null) {
      return Future.succeededFuture(ReloadResult.rejected(c.trigger(), generation, c.errors()));
    }
    NexusConfig old = gateway.config();
    NexusConfig next = c.config();
    UpstreamServices current = gateway.upstreamServices();
    ServicePools.Plan plan;
    try {
      plan = ServicePools.plan(old, current, next, gateway.filters());
    } catch (RuntimeException e) {
      LOG.error("config reload: the routes of the new config could not be built", e);
      return Future.succeededFuture(ReloadResult.rejected(c.trigger(), generation,
          List.of("service_routes: the routes could not be built (see the log); the running config is unchanged")));
    }
    // New services are started (pools warmed, health checks and Consul watches running) before the swap.
    return plan.services().start().map(v -> {
      if (stopped) {
        plan.services().discard(current);
        return ReloadResult.rejected(c.trigger(), generation,
            List.of("(reload): the gateway is stopping; the running config is unchanged"));
      }
      gateway.apply(plan);
      int retired = current.retire(plan.services(), next.server().drainTimeout());
      applied = c.bytes();
      generation++;
      RouteDiff diff = RouteDiff.of(old.routes(), next.routes());
      return new ReloadResult(ReloadResult.APPLIED, c.trigger(), generation, Instant.now(), List.of(), diff.added,
          diff.removed, diff.changed, plan.kept().size(), plan.created().size(), retired,
          restartRequired(gateway.startConfig(), next));
    });
  }

  private void report(ReloadResult r) {
    last = r;
    switch (r.outcome()) {
      case ReloadResult.APPLIED -> LOG.info(r.summary());
      case ReloadResult.REJECTED -> LOG.warn(r.summary());
      default -> LOG.debug(r.summary());
    }
  }

  /** Routes added, removed and changed between two configs, by name. */
  private record RouteDiff(List<String> added, List<String> removed, List<String> changed) {
    static RouteDiff of(List<RouteConfig> before, List<RouteConfig> after) {
      Map<String, RouteConfig> old = new LinkedHashMap<>();
      before.forEach(r -> old.put(r.name(), r));
      List<String> added = new ArrayList<>();
      List<String> changed = new ArrayList<>();
      for (RouteConfig r : after) {
        RouteConfig o = old.remove(r.name());
        if (o == null) {
          added.add(r.name());
        } else if (!String.valueOf(o).equals(String.valueOf(r))) {
          // Compared as text: a compiled rewrite regex has no equals().
          changed.add(r.name());
        }
      }
      return new RouteDiff(List.copyOf(added), List.copyOf(old.keySet()), List.copyOf(changed));
    }
  }

  /**
   * Settings a reload cannot change (those read once at start) that differ between the running
   * gateway and a new config, as {@code path: running -> new}.
   */
  static List<String> restartRequired(NexusConfig running, NexusConfig next) {
    List<String> out = new ArrayList<>();
    for (RecordComponent c : NexusConfig.class.getRecordComponents()) {
      String name = snake(c.getName());
      if (RESTART_ONLY.contains(name)) {
        diff(name, value(c, running), value(c, next), out);
      }
    }
    return out;
  }

  private static void diff(String path, Object a, Object b, List<String> out) {
    if (APPLIED_WHEN_USED.contains(path)) {
      return;
    }
    if (a != null && b != null && a.getClass().isRecord() && a.getClass() == b.getClass()) {
      for (RecordComponent c : a.getClass().getRecordComponents()) {
        diff(path + "." + snake(c.getName()), value(c, a), value(c, b), out);
      }
      return;
    }
    // Compared by equals, then as text (a compiled regex has no equals()).
    if (!java.util.Objects.equals(a, b) && !String.valueOf(a).equals(String.valueOf(b))) {
      out.add(path + ": " + show(path, a) + " -> " + show(path, b));
    }
  }

  private static String show(String path, Object v) {
    // Never print a secret into a result or a log.
    return path.contains("password") || path.contains("token") || path.contains("secret") ? "(changed)"
        : String.valueOf(v);
  }

  private static Object value(RecordComponent c, Object record) {
    try {
      return c.getAccessor().invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  static String snake(String camel) {
    StringBuilder b = new StringBuilder(camel.length() + 4);
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        b.append('_').append(Character.toLowerCase(ch));
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }
}
