package io.datapunk.nexus.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.config.RetryConfig;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = new RetryPolicy(3, RetryConfig.defaults());

  @Test
  void onlyIdempotentMethodsAreResentByDefault() {
    assertThat(policy.mayResend(HttpMethod.GET)).isTrue();
    assertThat(policy.mayResend(HttpMethod.PUT)).isTrue();
    assertThat(policy.mayResend(HttpMethod.DELETE)).isTrue();
    assertThat(policy.mayResend(HttpMethod.POST)).isFalse();
    assertThat(policy.mayResend(HttpMethod.PATCH)).isFalse();
    RetryConfig d = RetryConfig.defaults();
    RetryPolicy optIn = new RetryPolicy(1, new RetryConfig(d.statuses(), true, d.backoff(), d.maxBackoff(), d.budget(),
        d.minRetriesPerSecond(), d.maxReplayBody()));
    assertThat(optIn.mayResend(HttpMethod.POST)).isTrue();
  }

  @Test
  void bodiesAreKeptOnlyWhenARetryIsPossibleAndTheyFit() {
    assertThat(policy.keepsBody(HttpMethod.PUT, "65536")).as("just inside").isTrue();
    assertThat(policy.keepsBody(HttpMethod.PUT, "65537")).as("just outside").isFalse();
    assertThat(policy.keepsBody(HttpMethod.PUT, null)).as("chunked: kept up to the limit").isTrue();
    assertThat(policy.keepsBody(HttpMethod.POST, "10")).isFalse();
    assertThat(new RetryPolicy(0, RetryConfig.defaults()).keepsBody(HttpMethod.PUT, "10"))
        .as("kept for the one resend after a stale pooled connection").isTrue();
    RetryConfig d = RetryConfig.defaults();
    assertThat(new RetryPolicy(3, new RetryConfig(d.statuses(), false, d.backoff(), d.maxBackoff(), d.budget(),
        d.minRetriesPerSecond(), 0)).keepsBody(HttpMethod.PUT, "10")).as("max_replay_body: 0").isFalse();
  }

  @Test
  void statusesAreTheConfiguredOnes() {
    assertThat(policy.retriesStatus(502)).isTrue();
    assertThat(policy.retriesStatus(503)).isTrue();
    assertThat(policy.retriesStatus(504)).isTrue();
    assertThat(policy.retriesStatus(500)).isFalse();
    assertThat(policy.retriesStatus(200)).isFalse();
  }

  @Test
  void backoffIsExponentialWithFullJitterAndCapped() {
    RetryConfig d = RetryConfig.defaults();
    RetryPolicy p = new RetryPolicy(5, new RetryConfig(List.of(503), false, Duration.ofMillis(10),
        Duration.ofMillis(35), d.budget(), d.minRetriesPerSecond(), d.maxReplayBody()));
    long[] max = new long[6];
    for (int k = 0; k < 5_000; k++) {
      for (int r = 1; r <= 5; r++) {
        long b = p.backoffNanos(r);
        assertThat(b).isBetween(0L, Duration.ofMillis(35).toNanos());
        max[r] = Math.max(max[r], b);
      }
    }
    assertThat(max[1]).isBetween(Duration.ofMillis(9).toNanos(), Duration.ofMillis(10).toNanos());
    assertThat(max[2]).isBetween(Duration.ofMillis(19).toNanos(), Duration.ofMillis(20).toNanos());
    assertThat(max[3]).isBetween(Duration.ofMillis(34).toNanos(), Duration.ofMillis(35).toNanos());
  }

  @Test
  void retryAfterIsReadAsSecondsOrDate() {
    long now = ZonedDateTime.of(2025, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).toInstant().toEpochMilli();
    assertThat(RetryPolicy.retryAfterNanos("2", now)).isEqualTo(2_000_000_000L);
    assertThat(RetryPolicy.retryAfterNanos(null, now)).isZero();
    assertThat(RetryPolicy.retryAfterNanos("soon", now)).isZero();
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.of(2025, 1, 1, 0, 0, 3, 0, ZoneOffset.UTC));
    assertThat(RetryPolicy.retryAfterNanos(date, now)).isEqualTo(3_000_000_000L);
  }
}
