package io.datapunk.nexus.jmh;

import io.datapunk.nexus.ratelimit.Limit;
import io.datapunk.nexus.ratelimit.TokenBucketAccess;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Local token bucket acquire (RATE_LIMIT stage without Redis): one take from a route's bucket, and a
 * client's take including the lookup of its bucket among 10,000 known clients. The limit is large
 * enough that takes are admitted (the refused path does the same arithmetic).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenBucketBenchmark {
  private static final int CLIENTS = 10_000;

  private TokenBucketAccess buckets;
  private String[] clients;
  private int next;

  @Setup
  public void setUp() {
    buckets = new TokenBucketAccess(new Limit(100_000_000, Duration.ofSeconds(1), 1_000_000));
    clients = new String[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
      clients[i] = "client-" + Integer.toHexString(0x5f3a0000 + i * 7919);
      buckets.takeForClient(clients[i]);
    }
  }

  @Benchmark
  public double take() {
    return buckets.take();
  }

  @Benchmark
  public double takeForClient() {
    int i = next;
    next = i + 1 == CLIENTS ? 0 : i + 1;
    return buckets.takeForClient(clients[i]);
  }
}
