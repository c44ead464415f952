package io.datapunk.nexus.jmh;

import io.datapunk.nexus.cache.CacheKeysAccess;
import io.datapunk.nexus.config.RouteCacheConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cache key (CACHE stage) of a GET with a query, on an entry that varies on {@code Accept-Encoding} and
 * {@code Accept}: caller hash, base key with the sorted query, variant key. Anonymous (no credential
 * headers: shared entry) and authenticated (a bearer token: the key carries a SHA-256 of it).
 *
 * <p>The request is a stand-in whose only working method is {@code headers()}, the one CacheKeys
 * calls; its headers are Vert.x's own map (what a server request has), filled as a browser would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheKeyBenchmark {
  private static final String[] VARY = {"Accept-Encoding", "Accept"};

  @Param({"anonymous", "authenticated"})
  public String caller;

  private HttpServerRequest request;
  private final List<String> callerHeaders = RouteCacheConfig.DEFAULT_CALLER_HEADERS;

  @Setup
  public void setUp() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Host", "api.datapunk.io")
        .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
        .add("Accept", "application/json")
        .add("Accept-Encoding", "gzip, deflate, br, zstd")
        .add("Accept-Language", "en-US,en;q=0.5")
        .add("Connection", "keep-alive");
    if (caller.equals("authenticated")) {
      headers.add("Authorization", "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0."
          + "eyJpc3MiOiJodHRwczovL2F1dGguZGF0YXB1bmsuaW8iLCJhdWQiOiJuZXh1cyIsInN1YiI6InVzZXItN2YzYTljIiwi"
          + "Y2xpZW50X2lkIjoid2ViLWRhc2hib2FyZCIsInNjb3BlIjoic3RvcmFnZTpyZWFkIn0."
          + "c2lnbmF0dXJlLW9mLTI1Ni1ieXRlcy1zdGFuZHMtaW4taGVyZS1mb3ItdGhlLWJlbmNobWFyay0wMTIzNDU2Nzg5YWJjZGVm");
    }
    request = request(headers);
  }

  @Benchmark
  public void getWithQueryAndVary(Blackhole bh) {
    bh.consume(CacheKeysAccess.variantKey("lake", "/storage/datasets/sales-2024/items", 3,
        "page=2&limit=50&sort=-created&fields=id,name,size", true, List.of(), callerHeaders, VARY, request));
  }

  /** A request whose {@code headers()} answers {@code headers}; every other method is unsupported. */
  static HttpServerRequest request(MultiMap headers) {
    return (HttpServerRequest) Proxy.newProxyInstance(CacheKeyBenchmark.class.getClassLoader(),
        new Class<?>[] {HttpServerRequest.class}, (proxy, method, args) -> switch (method.getName()) {
          case "headers" -> headers;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          case "toString" -> "bench request";
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
