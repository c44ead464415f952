package io.datapunk.nexus.ratelimit;

import io.datapunk.nexus.config.ConfigSection;
import java.time.Duration;

/**
 * One token bucket's size: {@code rate} requests per {@code per}, with bursts up to {@code burst}.
 *
 * @param rate tokens added per period (> 0)
 * @param per the period (default 1s)
 * @param burst bucket capacity (default: rate)
 */
public record Limit(int rate, Duration per, int burst) {
  /** Tokens added per nanosecond. */
  public double perNano() {
    return rate / (double) per.toNanos();
  }

  /** Tokens added per second. */
  public double perSecond() {
    return rate * 1e9 / per.toNanos();
  }

  /** The burst as header text. */
  public String burstText() {
    return Integer.toString(burst);
  }

  static Limit read(ConfigSection s) {
    int rate = s.integer("rate", 0, 1, 100_000_000);
    if (!s.has("rate")) {
      s.error("rate", "missing", "requests per period, an integer >= 1");
    }
    Duration per = s.duration("per", Duration.ofSeconds(1), false);
    int burst = s.integer("burst", rate, 1, 100_000_000);
    s.finish();
    return new Limit(rate, per, Math.max(1, burst));
  }
}
