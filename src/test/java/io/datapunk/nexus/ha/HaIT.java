package io.datapunk.nexus.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapunk.nexus.testing.GatewayProcess;
import io.datapunk.nexus.testing.NginxFront;
import io.datapunk.nexus.testing.Wrk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway processes behind a real NGINX running {@code deploy/nginx/nexus.conf}, under wrk load:
 * a rolling restart by SIGTERM fails nothing; a SIGKILL fails no GET, and only POSTs that were in
 * flight on the killed instance, none of them sent to the services twice.
 */
class HaIT {
  static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xms96m", "-Xmx96m", "-XX:MaxDirectMemorySize=64m",
      "-Xss512k", "-XX:TieredStopAtLevel=1");
  static final Path POST_SCRIPT = Path.of("src/test/resources/wrk/post.lua");
  static final int GET_CONNECTIONS = 8;
  static final int POST_CONNECTIONS = 4;

  final Map<String, AtomicInteger> posts = RecordingUpstream.newPostLog();
  final RecordingUpstream[] lakes = {new RecordingUpstream(posts), new RecordingUpstream(posts)};
  final GatewayProcess[] gateways = new GatewayProcess[2];
  NginxFront front;

  static String config(String lakeUrl) {
    return """
        server: {port: ${PORT}, event_loops: 1, drain_timeout: 10s}
        admin: {port: ${ADMIN_PORT}}
        reload: {watch: false}
        service_routes:
          lake: {prefix: /storage, service_url: "%s", timeout: 10}
        network_optimization:
          connection_pooling: {min_size: 2, max_size: 50}
        """.formatted(lakeUrl);
  }

  @BeforeEach
  void start() throws Exception {
    for (int i = 0; i < 2; i++) {
      gateways[i] = GatewayProcess.start(config(lakes[i].url()), JVM, GatewayProcess.freePort(), GatewayProcess.freePort());
    }
    front = NginxFront.start(List.of(gateways[0].port(), gateways[1].port()));
  }

  @AfterEach
  void stop() throws Exception {
    if (front != null) {
      front.close();
    }
    for (GatewayProcess g : gateways) {
      if (g != null) {
        g.close();
      }
    }
    for (RecordingUpstream l : lakes) {
      l.close();
    }
  }

  /** Waits until NGINX sends live traffic to instance i (after a start it may wait out fail_timeout). */
  void awaitInRotation(int i) {
    long before = lakes[i].served.get();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> lakes[i].served.get() > before + 50);
  }

  @Test
  void aRollingRestartBySigtermFailsNoRequest() throws Exception {
    try (Wrk gets = Wrk.start(front.url("/storage/items"), GET_CONNECTIONS, null);
         Wrk postLoad = Wrk.start(front.url("/storage/orders"), POST_CONNECTIONS, POST_SCRIPT)) {
      awaitInRotation(0);
      awaitInRotation(1);
      for (int i = 0; i < 2; i++) {
        long start = System.nanoTime();
        assertThat(gateways[i].terminate(Duration.ofSeconds(60))).as("exit status after SIGTERM").isZero();
        long drainMs = (System.nanoTime() - start) / 1_000_000;
        gateways[i] = gateways[i].restart();
        awaitInRotation(i);
        System.out.printf("HaIT SIGTERM: instance %d drained and exited 0 in %d ms, back in rotation%n", i + 1, drainMs);
      }
      Wrk.Result get = gets.stop();
      Wrk.Result post = postLoad.stop();
      System.out.printf("HaIT SIGTERM rolling restart: GET %d requests, %d non-2xx, %d socket errors; "
              + "POST %d requests, %d non-2xx, %d socket errors, %d sent twice%n",
          get.requests(), get.non2xx(), get.socketErrors(), post.requests(), post.non2xx(), post.socketErrors(),
          RecordingUpstream.duplicates(posts));
      assertThat(get.requests()).isGreaterThan(1000);
      assertThat(get.non2xx()).as(get.raw()).isZero();
      assertThat(get.socketErrors()).as(get.raw()).isZero();
      // POSTs are reported, not required to be all 2xx: the drain never closes a connection under a
      // request, but a connection still in the kernel's accept queue when the listening socket closes is
      // reset, and NGINX does not resend a POST. Measured: 0 so far; never more than were in flight.
      assertThat(post.failed()).as(post.raw()).isLessThanOrEqualTo(POST_CONNECTIONS);
      assertThat(RecordingUpstream.duplicates(posts)).isZero();
    }
  }

  @Test
  void aSigkillFailsNoGetAndOnlyPostsInFlight() throws Exception {
    try (Wrk gets = Wrk.start(front.url("/storage/items"), GET_CONNECTIONS, null);
         Wrk postLoad = Wrk.start(front.url("/storage/orders"), POST_CONNECTIONS, POST_SCRIPT)) {
      awaitInRotation(0);
      awaitInRotation(1);
      gateways[0].kill();
      // The survivor carries the load alone for a while, then the killed one comes back.
      long survivor = lakes[1].served.get();
      await().atMost(Duration.ofSeconds(60)).until(() -> lakes[1].served.get() > survivor + 2000);
      gateways[0] = gateways[0].restart();
      awaitInRotation(0);
      Wrk.Result get = gets.stop();
      Wrk.Result post = postLoad.stop();
      long duplicates = RecordingUpstream.duplicates(posts);
      System.out.printf("HaIT SIGKILL: GET %d requests, %d failed; POST %d requests, %d failed "
              + "(at most %d can be in flight on one instance), %d sent twice%n",
          get.requests(), get.failed(), post.requests(), post.failed(), POST_CONNECTIONS, duplicates);
      assertThat(get.requests()).isGreaterThan(1000);
      assertThat(get.failed()).as(get.raw()).isZero();
      assertThat(post.failed()).as(post.raw()).isLessThanOrEqualTo(POST_CONNECTIONS);
      assertThat(duplicates).isZero();
    }
  }
}
