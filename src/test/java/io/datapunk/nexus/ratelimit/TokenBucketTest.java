package io.datapunk.nexus.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.http.HttpServerRequest;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void burstIsExactAndRefillFollowsTheRate() {
    TokenBucket b = new TokenBucket(new Limit(2, Duration.ofSeconds(1), 3), 0);
    assertThat(b.take(0)).isEqualTo(2.0);
    assertThat(b.take(0)).isEqualTo(1.0);
    assertThat(b.take(0)).isEqualTo(0.0);
    assertThat(b.take(0)).as("the 4th request of a burst of 3").isNegative();
    assertThat(b.take(SECOND / 2 - 1)).as("just under one token refilled").isNegative();
    assertThat(b.take(SECOND / 2 + 1)).as("one token after half a second at 2/s").isGreaterThanOrEqualTo(0);
    assertThat(b.take(100 * SECOND)).as("never more than the burst").isEqualTo(2.0);
  }

  @Test
  void aMirroredSharedCountIsWhereALocalFallBackContinues() {
    TokenBucket b = new TokenBucket(new Limit(1, Duration.ofMinutes(1), 10), 0);
    b.mirror(1.0, 0);
    assertThat(b.take(0)).as("the shared bucket had one token left").isEqualTo(0.0);
    assertThat(b.take(0)).isNegative();
    b.mirror(-0.5, 0);
    assertThat(b.take(0)).as("a refused shared answer leaves the local bucket empty too").isNegative();
  }

  @Test
  void clientAddressComesFromTheSocketUnlessThePeerIsATrustedProxy() {
    TrustedProxies none = new TrustedProxies(List.of());
    assertThat(none.clientAddress(request("10.0.0.5", "1.2.3.4"))).isEqualTo("10.0.0.5");
    TrustedProxies lb = new TrustedProxies(List.of("10.0.0.0/8", "192.168.1.1"));
    assertThat(lb.clientAddress(request("10.0.0.5", null))).isEqualTo("10.0.0.5");
    assertThat(lb.clientAddress(request("10.0.0.5", "1.2.3.4"))).isEqualTo("1.2.3.4");
    assertThat(lb.clientAddress(request("10.0.0.5", "6.6.6.6, 1.2.3.4"))).as("spoofed entries left of the real one").isEqualTo("1.2.3.4");
    assertThat(lb.clientAddress(request("10.0.0.5", "1.2.3.4, 192.168.1.1, 10.9.9.9"))).isEqualTo("1.2.3.4");
    assertThat(lb.clientAddress(request("10.0.0.5", "1.2.3.4, not-an-ip"))).isEqualTo("10.0.0.5");
    assertThat(lb.clientAddress(request("11.0.0.5", "1.2.3.4"))).as("an untrusted peer's XFF is ignored").isEqualTo("11.0.0.5");
    assertThat(new TrustedProxies(List.of("::1/128")).clientAddress(request("0:0:0:0:0:0:0:1", "2001:db8::1")))
        .isEqualTo("2001:db8::1");
    assertThatThrownBy(() -> new TrustedProxies(List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TrustedProxies(List.of("example.com"))).isInstanceOf(IllegalArgumentException.class);
    assertThat(TrustedProxies.parse("localhost")).as("never a DNS lookup").isNull();
  }

  /** A request stub with a peer address and an X-Forwarded-For (only those two are read). */
  private static HttpServerRequest request(String peer, String xff) {
    Map<String, Object> answers = new java.util.HashMap<>();
    answers.put("remoteAddress", io.vertx.core.net.SocketAddress.inetSocketAddress(1234, peer));
    return (HttpServerRequest) Proxy.newProxyInstance(HttpServerRequest.class.getClassLoader(),
        new Class<?>[] {HttpServerRequest.class}, (p, m, args) -> {
          if (m.getName().equals("getHeader")) {
            return "X-Forwarded-For".equalsIgnoreCase(String.valueOf(args[0])) ? xff : null;
          }
          return answers.get(m.getName());
        });
  }
}
