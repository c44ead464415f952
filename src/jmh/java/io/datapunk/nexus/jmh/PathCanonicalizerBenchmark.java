package io.datapunk.nexus.jmh;

import io.datapunk.nexus.validation.PathCanonicalizer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Path canonicalization (pipeline step 2): {@link PathCanonicalizer#canonicalize} on a clean path (the
 * common case, answered without a copy) and on paths that need work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PathCanonicalizerBenchmark {
  /**
   * clean: nothing to do; percent: escapes to decode or normalize; dots: {@code .} and {@code ..}
   * segments; slashes: repeated slashes; mixed: all of these; long: a 2 KB path of 500 segments with
   * one dot segment at its end (a long but legal request line).
   */
  @Param({"clean", "percent", "dots", "slashes", "mixed", "long"})
  public String kind;

  private String raw;

  @Setup
  public void setUp() {
    raw = switch (kind) {
      case "clean" -> "/storage/datasets/sales-2024/items/42";
      // unreserved escapes decoded, a UTF-8 escape kept (upper-cased)
      case "percent" -> "/storage/datasets/sales%2D2024/items/%7e42/caf%c3%a9";
      case "dots" -> "/storage/datasets/./sales-2024/tmp/../items/42";
      case "slashes" -> "//storage//datasets///sales-2024/items//42";
      case "mixed" -> "/storage//datasets/%2E/sales%2D2024/x/%2e%2e/items/./42/";
      case "long" -> "/storage" + "/seg".repeat(500) + "/./x";
      default -> throw new IllegalArgumentException(kind);
    };
    if (PathCanonicalizer.canonicalize(raw) == null) {
      throw new IllegalStateException("rejected: " + raw);
    }
  }

  @Benchmark
  public String canonicalize() {
    return PathCanonicalizer.canonicalize(raw);
  }
}
