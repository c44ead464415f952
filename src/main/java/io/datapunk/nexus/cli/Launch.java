package io.datapunk.nexus.cli;

import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.server.Gateway;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a gateway and keeps the process alive until it is told to stop: SIGTERM or SIGINT drain it
 * (readiness 503, requests in flight finish within {@code server.drain_timeout}) and the process exits
 * 0; a second one stops at once. SIGHUP reloads the config file.
 */
final class Launch {
  private static final Logger LOG = LoggerFactory.getLogger(Launch.class);
  /** How much longer than the drain timeout the process waits for the close before exiting anyway. */
  private static final long CLOSE_MARGIN_SECONDS = 10;

  private Launch() {}

  static Gateway start(NexusConfig config) throws Exception {
    try {
      return Gateway.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      System.err.println("nexus could not start: " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
      return null;
    }
  }

  /** Runs a gateway from a config file (hot-reloaded from it) until it is stopped. */
  static int runUntilStopped(NexusConfig config, Path file) throws Exception {
    Gateway gateway = start(config);
    if (gateway == null) {
      return 1;
    }
    if (file != null) {
      gateway.enableReload(file);
    }
    awaitStop(gateway);
    return 0;
  }

  static void awaitStop(Gateway gateway) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean draining = new AtomicBoolean();
    Runnable stop = () -> {
      if (!draining.compareAndSet(false, true)) {
        LOG.info("second stop signal: closing now");
        gateway.stop();
        stopped.countDown();
        return;
      }
      await(gateway.drain(), gateway.config().server().drainTimeout().toSeconds() + CLOSE_MARGIN_SECONDS);
      stopped.countDown();
    };
    boolean term = Signals.handle("TERM", stop);
    Signals.handle("INT", stop);
    if (gateway.reloader() != null) {
      Signals.handle("HUP", () -> await(gateway.reloader().reload("signal"), 60));
    }
    // Any other way out of the JVM (or a JVM that keeps SIGTERM to itself) still drains first.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (draining.compareAndSet(false, true)) {
        await(gateway.drain(), gateway.config().server().drainTimeout().toSeconds() + CLOSE_MARGIN_SECONDS);
      }
      stopped.countDown();
    }, "nexus-shutdown"));
    if (!term) {
      LOG.info("SIGTERM is handled by the JVM here: the gateway drains in a shutdown hook");
    }
    stopped.await();
  }

  private static void await(io.vertx.core.Future<?> f, long seconds) {
    try {
      f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("gave up waiting: {}", e.toString());
    }
  }
}
