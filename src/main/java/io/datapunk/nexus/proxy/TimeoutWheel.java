package io.datapunk.nexus.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The per-request deadlines of one event loop (route timeouts, body idle checks) on a hashed timing
 * wheel with {@value #TICK_MILLIS} ms ticks, touched only by its event loop.
 *
 * <p>Why not {@code vertx.setTimer}: every exchange arms and cancels two deadlines, and a Vert.x timer
 * costs a map entry, a lambda, a scheduled task in the loop's priority queue and its removal again
 * (about a tenth of the gateway's own CPU per request under load, measured with async-profiler). Here
 * a deadline is an intrusive node (the {@link Timeout} itself, so arming allocates nothing), arming and
 * cancelling are O(1) list operations, and one periodic task per loop, running only while deadlines
 * are pending, advances the wheel. A deadline never fires early; it fires at most one tick (plus the
 * loop's own delay) late.
 */
final class TimeoutWheel {
  static final long TICK_MILLIS = 10;
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
  /** 1024 slots of 10 ms: deadlines up to ~10 s land in their slot directly, longer ones wait rounds. */
  private static final int SLOTS = 1024;
  private static final int MASK = SLOTS - 1;

  private static final FastThreadLocal<TimeoutWheel> WHEELS = new FastThreadLocal<>();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TimeoutWheel.class);

  /** A deadline: extend it and implement {@link #expired()}. Armed on at most one wheel at a time. */
  abstract static class Timeout {
    private static final int IDLE = 0;
    private static final int ARMED = 1;
    private static final int FIRING = 2;

    private TimeoutWheel wheel;
    private int state;
    private long deadlineTick;
    private Timeout prev;
    private Timeout next;

    /** Called on the wheel's event loop when the deadline has passed (not called once cancelled). */
    protected abstract void expired();

    /** Whether this deadline is armed and has not fired. */
    final boolean armed() {
      return state == ARMED;
    }

    /** Disarms this deadline; a no-op when it is not armed. */
    final void cancel() {
      if (state == ARMED) {
        wheel.unlink(this);
        wheel.pending--;
      }
      state = IDLE;
    }
  }

  private final EventLoop loop;
  private final long origin = System.nanoTime();
  private final Timeout[] slots = new Timeout[SLOTS];
  private final ArrayList<Timeout> expiring = new ArrayList<>();
  private long currentTick;
  private int pending;
  private ScheduledFuture<?> ticker;

  private TimeoutWheel(EventLoop loop) {
    this.loop = loop;
  }

  /**
   * The wheel of the calling thread's event loop, or null when the caller is not on a Vert.x event
   * loop (the caller then falls back to Vert.x timers).
   */
  static TimeoutWheel current() {
    TimeoutWheel wheel = WHEELS.getIfExists();
    if (wheel != null) {
      return wheel;
    }
    Context context = Vertx.currentContext();
    if (!(context instanceof ContextInternal internal) || !context.isEventLoopContext()
        || !internal.nettyEventLoop().inEventLoop()) {
      return null;
    }
    wheel = new TimeoutWheel(internal.nettyEventLoop());
    WHEELS.set(wheel);
    return wheel;
  }

  /** Arms {@code timeout} to fire {@code delayMillis} from now (re-arms it when already armed). */
  void schedule(Timeout timeout, long delayMillis) {
    timeout.cancel();
    // Not advanced here (only the periodic tick fires deadlines, never re-entrantly); a wheel behind
    // the clock catches up at its next tick.
    long due = System.nanoTime() - origin + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMillis));
    // Rounded up: a deadline never fires before its time.
    long tick = Math.max(currentTick + 1, (due + TICK_NANOS - 1) / TICK_NANOS);
    timeout.wheel = this;
    timeout.state = Timeout.ARMED;
    timeout.deadlineTick = tick;
    int slot = (int) (tick & MASK);
    Timeout head = slots[slot];
    timeout.prev = null;
    timeout.next = head;
    if (head != null) {
      head.prev = timeout;
    }
    slots[slot] = timeout;
    if (pending++ == 0 && ticker == null) {
      ticker = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** Deadlines armed and not yet fired or cancelled (for tests). */
  int pending() {
    return pending;
  }

  private void unlink(Timeout t) {
    if (t.prev != null) {
      t.prev.next = t.next;
    } else {
      slots[(int) (t.deadlineTick & MASK)] = t.next;
    }
    if (t.next != null) {
      t.next.prev = t.prev;
    }
    t.prev = null;
    t.next = null;
  }

  private void tick() {
    advance(System.nanoTime());
    if (pending == 0 && ticker != null) {
      ticker.cancel(false);
      ticker = null;
    }
  }

  /** Fires every deadline up to {@code now}, slot by slot. */
  private void advance(long now) {
    long target = (now - origin) / TICK_NANOS;
    while (currentTick < target) {
      currentTick++;
      int slot = (int) (currentTick & MASK);
      for (Timeout t = slots[slot]; t != null; ) {
        Timeout next = t.next;
        if (t.deadlineTick <= currentTick) {
          unlink(t);
          pending--;
          t.state = Timeout.FIRING;
          expiring.add(t);
        }
        t = next;
      }
      if (!expiring.isEmpty()) {
        fire();
      }
    }
  }

  private void fire() {
    for (int i = 0; i < expiring.size(); i++) {
      Timeout t = expiring.get(i);
      // One that an earlier callback cancelled (or re-armed) in the meantime is skipped.
      if (t.state == Timeout.FIRING) {
        t.state = Timeout.IDLE;
        try {
          t.expired();
        } catch (RuntimeException e) {
          LOG.error("A request deadline handler failed", e);
        }
      }
    }
    expiring.clear();
  }
}
