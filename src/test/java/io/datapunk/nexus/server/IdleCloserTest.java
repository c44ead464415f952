package io.datapunk.nexus.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client connection's idle timeout on a channel whose clock the test moves. */
class IdleCloserTest {
  private final List<Object> events = new ArrayList<>();

  private EmbeddedChannel channel(long timeoutMillis) {
    return new EmbeddedChannel(new IdleCloser(TimeUnit.MILLISECONDS.toNanos(timeoutMillis)),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
          }
        });
  }

  private static void advance(EmbeddedChannel ch, long millis) {
    // In steps of a tenth of a check interval, so each due check runs at its time.
    for (long t = 0; t < millis; t += 10) {
      ch.advanceTimeBy(10, TimeUnit.MILLISECONDS);
      ch.runScheduledPendingTasks();
    }
  }

  @Test
  void aQuietConnectionIsIdleAfterTheTimeoutAndNotBefore() {
    EmbeddedChannel ch = channel(400);
    advance(ch, 390);
    assertThat(events).as("just inside the timeout").isEmpty();
    advance(ch, 20);
    assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    ch.finishAndReleaseAll();
  }

  @Test
  void readsAndWritesKeepItAliveAndTheTimeoutCountsFromTheLastOfThem() {
    EmbeddedChannel ch = channel(400);
    for (int i = 0; i < 6; i++) {
      advance(ch, 200);
      if (i % 2 == 0) {
        ch.writeInbound("request");
      } else {
        ch.writeOutbound("response");
      }
    }
    assertThat(events).as("active every 200 ms for 1.2 s").isEmpty();
    advance(ch, 390);
    assertThat(events).as("390 ms after the last write").isEmpty();
    advance(ch, 120);
    assertThat(events).as("at most 1.25 x the timeout after the last write").hasSize(1);
    ch.finishAndReleaseAll();
  }

  @Test
  void noCheckIsLeftBehindOnAClosedConnection() {
    EmbeddedChannel ch = channel(400);
    ch.close();
    advance(ch, 1000);
    assertThat(events).isEmpty();
    ch.finishAndReleaseAll();
  }
}
