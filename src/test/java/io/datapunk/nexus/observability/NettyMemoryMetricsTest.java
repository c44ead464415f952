package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Netty's direct memory gauges follow real allocations, and /metrics names them as documented. */
class NettyMemoryMetricsTest {
  static double gauge(SimpleMeterRegistry registry, String allocator) {
    return registry.get("nexus.netty.direct.memory").tag("allocator", allocator).gauge().value();
  }

  @Test
  void unpooledGaugeFollowsABufferAndItsRelease() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    NettyMemoryMetrics.bindTo(registry);
    double before = gauge(registry, "unpooled");
    ByteBuf buf = UnpooledByteBufAllocator.DEFAULT.directBuffer(65536, 65536);
    try {
      assertThat(gauge(registry, "unpooled") - before).isEqualTo(65536.0);
    } finally {
      buf.release();
    }
    assertThat(gauge(registry, "unpooled")).isEqualTo(before);
  }

  @Test
  void defaultAllocatorGaugeCountsItsChunks() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    NettyMemoryMetrics.bindTo(registry);
    ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(65536, 65536);
    try {
      // The allocator holds at least the chunk this buffer was carved from.
      assertThat(gauge(registry, "default")).isGreaterThanOrEqualTo(65536.0);
    } finally {
      buf.release();
    }
  }

  @Test
  void prometheusNamesAsInTheReadme() {
    Metrics metrics = new Metrics(List::of);
    try {
      String text = metrics.scrape();
      assertThat(text).contains("nexus_netty_direct_memory_bytes{allocator=\"default\"}")
          .contains("nexus_netty_direct_memory_bytes{allocator=\"unpooled\"}");
    } finally {
      metrics.close();
    }
  }
}
