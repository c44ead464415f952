package io.datapunk.nexus.proxy;

import io.datapunk.nexus.config.PoolConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own HTTP/1.1 client for plain-HTTP services: the proxy's hot path without Vert.x's
 * client layers (request objects, per-request contexts, a header copy per message). Each instance
 * ({@code host:port}) has at most {@code max_size} open connections in all and a wait queue of at most
 * {@code max_wait_queue} requests beyond which a request fails at once; connections are kept per
 * event loop (a request only ever uses a connection of its own loop, so nothing is shared between
 * threads but two counters), reused most-recently-used first, and closed after {@code idle_timeout}
 * idle (whole seconds, rounded down), checked every 100 ms. An instance whose last connection closed
 * is forgotten (its record retired atomically with its connection count, so no request can take a
 * slot on a retired record): instances that come and go through discovery leave nothing behind.
 */
final class H1Client {
  private static final long CLEANER_PERIOD_MILLIS = 100;

  private final VertxInternal vertx;
  private final PoolConfig config;
  private final long idleNanos;
  private final Map<Address, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private volatile boolean closing;

  H1Client(Vertx vertx, PoolConfig config) {
    this.vertx = (VertxInternal) vertx;
    this.config = config;
    this.idleNanos = TimeUnit.SECONDS.toNanos(Math.max(1, config.idleTimeout().toSeconds()));
  }

  /** A request stream to {@code host:port} on a connection of the calling event loop (another loop's when called off one). */
  Future<UpstreamRequest> request(HttpMethod method, String host, int port, String uri) {
    ContextInternal context = ContextInternal.current();
    if (context == null || !context.isEventLoopContext() || !context.inThread()) {
      ContextInternal loop = vertx.createEventLoopContext();
      Promise<UpstreamRequest> p = Promise.promise();
      loop.runOnContext(v -> request(loop, method, host, port, uri).onComplete(p));
      return p.future();
    }
    return request(context, method, host, port, uri);
  }

  private Future<UpstreamRequest> request(ContextInternal context, HttpMethod method, String host, int port,
                                          String uri) {
    if (closing) {
      return context.failedFuture(new HttpClosedException("The service's pool is closed"));
    }
    for (;;) {
      Endpoint e = endpoint(host, port);
      Future<UpstreamRequest> stream = e.loop(context.nettyEventLoop()).acquire(context, method, uri);
      if (stream != null) {
        return stream;
      }
      // Its last connection closed just now and the record was retired: take the new one.
      endpoints.remove(e.address, e);
    }
  }

  /** How many instances have a record (tests: a record goes when its last connection closes). */
  int endpointCount() {
    return endpoints.size();
  }

  private Endpoint endpoint(String host, int port) {
    Address key = new Address(host, port);
    Endpoint e = endpoints.get(key);
    return e != null ? e : endpoints.computeIfAbsent(key, Endpoint::new);
  }

  /** An instance's address as the endpoints' key (no string built per request). */
  private record Address(String host, int port) {
  }

  /**
   * Opens {@code min_size} connections to {@code host:port}, spread over the event loops, each proven
   * with a {@code HEAD} of {@code uri} (the service root) and then kept idle; never fails (a service
   * that is down at start is simply not warmed). Connections already open count.
   */
  Future<Void> warm(String host, int port, String uri) {
    int n = config.enabled() ? config.minSize() : 0;
    Endpoint e = endpoint(host, port);
    List<Future<?>> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ContextInternal context = vertx.createEventLoopContext();
      Promise<Void> p = Promise.promise();
      context.runOnContext(v -> e.loop(context.nettyEventLoop()).openIdle(context, uri, p));
      all.add(p.future());
    }
    return Future.join(all).mapEmpty();
  }

  /** Closes every connection now. */
  Future<Void> close() {
    closing = true;
    Promise<Void> p = Promise.promise();
    channels.close().addListener(f -> p.complete());
    return p.future();
  }

  /**
   * Closes gracefully: idle connections now, busy ones when their exchange ends, whatever is still
   * open after {@code timeoutMillis}.
   */
  Future<Void> shutdown(long timeoutMillis) {
    closing = true;
    for (Endpoint e : endpoints.values()) {
      for (Map.Entry<EventLoop, LoopPool> lp : e.loops.entrySet()) {
        lp.getKey().execute(lp.getValue()::closeIdle);
      }
    }
    Promise<Void> p = Promise.promise();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    awaitClosed(p, deadline);
    return p.future();
  }

  private void awaitClosed(Promise<Void> p, long deadline) {
    if (channels.isEmpty()) {
      p.complete();
    } else if (System.nanoTime() >= deadline) {
      channels.close().addListener(f -> p.complete());
    } else {
      vertx.setTimer(50, t -> awaitClosed(p, deadline));
    }
  }

  /** The connections to one instance: shared counters, and a pool per event loop. */
  final class Endpoint {
    /** {@link #open}'s value once the record is retired: below any count, so no slot can be taken. */
    private static final int RETIRED = Integer.MIN_VALUE;
    final Address address;
    final String host;
    final int port;
    /** The Host header of requests to the instance (the port left out when it is 80). */
    final String authority;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger waiting = new AtomicInteger();
    final Map<EventLoop, LoopPool> loops = new ConcurrentHashMap<>();

    Endpoint(Address address) {
      this.address = address;
      this.host = address.host();
      this.port = address.port();
      String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
      this.authority = port == 80 ? h : h + ':' + port;
    }

    LoopPool loop(EventLoop loop) {
      LoopPool p = loops.get(loop);
      return p != null ? p : loops.computeIfAbsent(loop, l -> new LoopPool(this, l));
    }

    /** Takes a connection slot when one is free. */
    boolean reserve() {
      return reserveBelow(config.maxSize());
    }

    /** Takes a connection slot when fewer than {@code limit} connections are open. */
    boolean reserveBelow(int limit) {
      for (int n = open.get(); n >= 0 && n < limit; n = open.get()) {
        if (open.compareAndSet(n, n + 1)) {
          return true;
        }
      }
      return false;
    }

    boolean retired() {
      return open.get() < 0;
    }

    /**
     * A connection closed: its slot is free. The last one retires the record (no connection, so no
     * idle one and no request waiting for one) and removes it from the client.
     */
    void release() {
      if (open.decrementAndGet() == 0 && waiting.get() == 0 && open.compareAndSet(0, RETIRED)) {
        endpoints.remove(address, this);
      }
    }

    /** A slot was freed: a request waiting on another loop may open a connection with it. */
    void slotFreed(LoopPool from) {
      if (waiting.get() == 0) {
        return;
      }
      for (LoopPool p : loops.values()) {
        if (p != from) {
          p.loop.execute(p::serveWaiters);
        }
      }
    }
  }

  /** A request waiting for a connection. */
  private record Waiter(PromiseInternal<UpstreamRequest> promise, ContextInternal context, HttpMethod method,
                        String uri) {
  }

  /** The connections of one instance on one event loop; touched only on that loop. */
  final class LoopPool {
    private final Endpoint endpoint;
    final EventLoop loop;
    private final Bootstrap bootstrap;
    private final ArrayDeque<H1Connection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private ScheduledFuture<?> cleaner;

    LoopPool(Endpoint endpoint, EventLoop loop) {
      this.endpoint = endpoint;
      this.loop = loop;
      LoopPool self = this;
      this.bootstrap = new Bootstrap()
          .group(loop)
          .channelFactory(vertx.transport().channelFactory(false))
          .resolver(vertx.nameResolver().nettyAddressResolverGroup())
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
              (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
          // Unresolved: each connect resolves the name through Vert.x's asynchronous resolver (and its
          // cache), never blocking the event loop, and follows DNS changes.
          .remoteAddress(java.net.InetSocketAddress.createUnresolved(endpoint.host, endpoint.port))
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              H1Connection c = new H1Connection(self, ch, config.enabled(), endpoint.authority);
              ch.pipeline().addLast("encoder", new HttpRequestEncoder())
                  .addLast("decoder", c.decoder())
                  .addLast("connection", c);
            }
          });
    }

    /** A stream on a connection of this loop; null when the instance's record is retired (look it up again). */
    Future<UpstreamRequest> acquire(ContextInternal context, HttpMethod method, String uri) {
      H1Connection c;
      while ((c = idle.pollLast()) != null) {
        if (c.isOpen()) {
          return context.succeededFuture(c.open(context, method, uri));
        }
      }
      PromiseInternal<UpstreamRequest> promise = context.promise();
      Waiter w = new Waiter(promise, context, method, uri);
      if (endpoint.reserve()) {
        connect(w);
      } else if (endpoint.retired()) {
        return null;
      } else if (endpoint.waiting.incrementAndGet() > config.maxWaitQueue()) {
        endpoint.waiting.decrementAndGet();
        return context.failedFuture(new ConnectionPoolTooBusyException(
            "Connection pool reached max wait queue size of " + config.maxWaitQueue()));
      } else {
        waiters.add(w);
        if (endpoint.retired()) {
          // Retired between the reservation and the queue (its last connection closed on another
          // loop): the waiter goes to the new record.
          serveWaiters();
        }
      }
      return promise.future();
    }

    /** Opens a connection (its slot is already reserved) and hands it to {@code w}. */
    private void connect(Waiter w) {
      bootstrap.connect().addListener(f -> {
        ChannelFuture cf = (ChannelFuture) f;
        if (!cf.isSuccess()) {
          endpoint.release();
          w.promise().tryFail(cf.cause());
          endpoint.slotFreed(null);
          return;
        }
        channels.add(cf.channel());
        H1Connection c = cf.channel().pipeline().get(H1Connection.class);
        w.promise().tryComplete(c.open(w.context(), w.method(), w.uri()));
      });
    }

    /** Opens a connection for the pool when fewer than {@code min_size} are open (a second warm-up opens none). */
    void openIdle(ContextInternal context, String uri, Promise<Void> done) {
      if (closing || !endpoint.reserveBelow(Math.min(config.minSize(), config.maxSize()))) {
        done.complete();
        return;
      }
      bootstrap.connect().addListener(f -> {
        ChannelFuture cf = (ChannelFuture) f;
        if (!cf.isSuccess()) {
          endpoint.release();
          endpoint.slotFreed(null);
          done.complete();
          return;
        }
        channels.add(cf.channel());
        H1Stream head = cf.channel().pipeline().get(H1Connection.class).open(context, HttpMethod.HEAD, uri);
        head.response().onComplete(r -> {
          if (r.succeeded()) {
            r.result().discard();
          }
          done.complete();
        });
        head.end();
      });
    }

    /** A connection whose exchange ended, free for the next request. */
    void recycle(H1Connection c) {
      if (closing || !c.isOpen()) {
        c.close();
        return;
      }
      Waiter w = waiters.poll();
      if (w != null) {
        endpoint.waiting.decrementAndGet();
        w.promise().tryComplete(c.open(w.context(), w.method(), w.uri()));
        return;
      }
      if (endpoint.waiting.get() > 0) {
        // Requests wait on another loop: this connection's slot serves them better there.
        c.close();
        return;
      }
      c.idleSince = System.nanoTime();
      idle.addLast(c);
      if (cleaner == null) {
        cleaner = loop.scheduleAtFixedRate(this::closeExpired, CLEANER_PERIOD_MILLIS, CLEANER_PERIOD_MILLIS,
            TimeUnit.MILLISECONDS);
      }
    }

    /** A connection of this pool closed (for whatever reason): its slot is free. */
    void closed(H1Connection c) {
      idle.remove(c);
      endpoint.release();
      serveWaiters();
      endpoint.slotFreed(this);
    }

    /** Opens connections for waiting requests while slots are free (on a retired record: sends them to the new one). */
    void serveWaiters() {
      if (endpoint.retired()) {
        Waiter w;
        while ((w = waiters.poll()) != null) {
          endpoint.waiting.decrementAndGet();
          PromiseInternal<UpstreamRequest> p = w.promise();
          request(w.context(), w.method(), endpoint.host, endpoint.port, w.uri()).onComplete(ar -> {
            if (ar.succeeded()) {
              p.tryComplete(ar.result());
            } else {
              p.tryFail(ar.cause());
            }
          });
        }
        return;
      }
      while (!waiters.isEmpty() && endpoint.reserve()) {
        endpoint.waiting.decrementAndGet();
        connect(waiters.poll());
      }
    }

    private void closeExpired() {
      long now = System.nanoTime();
      H1Connection c;
      while ((c = idle.peekFirst()) != null && now - c.idleSince >= idleNanos) {
        idle.pollFirst();
        c.close();
      }
      if (idle.isEmpty() && cleaner != null) {
        cleaner.cancel(false);
        cleaner = null;
      }
    }

    void closeIdle() {
      H1Connection c;
      while ((c = idle.poll()) != null) {
        c.close();
      }
      Waiter w;
      while ((w = waiters.poll()) != null) {
        endpoint.waiting.decrementAndGet();
        w.promise().tryFail(new HttpClosedException("The service's pool is closed"));
      }
    }
  }
}
