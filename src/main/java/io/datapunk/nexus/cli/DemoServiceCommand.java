package io.datapunk.nexus.cli;

import io.datapunk.nexus.demo.DemoUpstreams;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nexus demo-service NAME}: one of the demo stand-ins (echo, {@code /slow}, {@code /fail},
 * {@code /status/N}) on its own port, so a deployment (deploy/docker-compose.yml) can run the four
 * services as separate containers behind the gateways.
 */
@Command(name = "demo-service", description = "Run one demo service (lake, stream, cortex or forge) on its own port.")
final class DemoServiceCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "service name, echoed in every answer")
  String service;

  @Option(names = "--port", description = "port to listen on (default 8001)")
  int port = 8001;

  @Option(names = "--host", description = "address to bind (default 0.0.0.0)")
  String host = "0.0.0.0";

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      DemoUpstreams.serve(vertx, service, host, port).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      System.err.println("demo service " + service + " could not listen on " + host + ":" + port);
      vertx.close();
      return 1;
    }
    System.out.println("demo service " + service + " listening on " + host + ":" + port);
    CountDownLatch stopped = new CountDownLatch(1);
    Signals.handle("TERM", stopped::countDown);
    Signals.handle("INT", stopped::countDown);
    stopped.await();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return 0;
  }
}
