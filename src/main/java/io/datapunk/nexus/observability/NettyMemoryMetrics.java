package io.datapunk.nexus.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;

/**
 * Netty's direct memory as gauges, which the JDK's {@code jvm_buffer_memory_used_bytes{id="direct"}}
 * may not see: {@code nexus_netty_direct_memory_bytes{allocator}} is what Netty's default allocator
 * (the pooled one Vert.x uses for its direct buffers: adaptive in Netty 4.2) holds in chunks, in use
 * or cached, and what unpooled direct buffers hold; {@code nexus_netty_direct_memory_total_bytes} is
 * Netty's own counter of the direct memory it allocated without a JDK cleaner (only registered when
 * Netty allocates that way, which takes {@code --add-opens java.base/java.nio} and
 * {@code -Dio.netty.tryReflectionSetAccessible=true}; otherwise its buffers are in the JDK's series).
 * Read on scrape only: nothing on the request path. The soak (bench/soak.sh) watches them.
 */
final class NettyMemoryMetrics {
  private NettyMemoryMetrics() {}

  static void bindTo(MeterRegistry registry) {
    if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider
        && !(ByteBufAllocator.DEFAULT instanceof UnpooledByteBufAllocator)) {
      direct(registry, "default", provider.metric());
    }
    direct(registry, "unpooled", UnpooledByteBufAllocator.DEFAULT.metric());
    if (PlatformDependent.usedDirectMemory() >= 0) {
      Gauge.builder("nexus.netty.direct.memory.total", PlatformDependent::usedDirectMemory)
          .baseUnit(BaseUnits.BYTES)
          .description("Direct memory Netty allocated without a JDK cleaner (outside jvm_buffer_memory_used_bytes)")
          .register(registry);
    }
  }

  private static void direct(MeterRegistry registry, String allocator, ByteBufAllocatorMetric metric) {
    Gauge.builder("nexus.netty.direct.memory", metric, ByteBufAllocatorMetric::usedDirectMemory)
        .tag("allocator", allocator)
        .baseUnit(BaseUnits.BYTES)
        .description("Direct memory held by a Netty buffer allocator (default: its chunks, in use or cached)")
        .register(registry);
  }
}
