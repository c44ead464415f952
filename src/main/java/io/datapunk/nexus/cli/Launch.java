package io.datapunk.nexus.cli;

import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.server.Gateway;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Starts a gateway and keeps the process alive until it is told to stop. */
final class Launch {
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

  static int runUntilStopped(NexusConfig config) throws Exception {
    Gateway gateway = start(config);
    if (gateway == null) {
      return 1;
    }
    awaitStop(gateway);
    return 0;
  }

  static void awaitStop(Gateway gateway) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
      stopped.countDown();
    }, "nexus-shutdown"));
    stopped.await();
  }
}
