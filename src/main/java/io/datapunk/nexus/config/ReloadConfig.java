package io.datapunk.nexus.config;

import java.time.Duration;

/**
 * Hot reload of the config file ({@code reload:}). A reload validates the whole file first and keeps
 * the running config on any error; the admin API ({@code POST /admin/config/reload}) and SIGHUP reload
 * on demand whatever {@code watch} says.
 *
 * @param watch reload when the file's content changes (default true; only {@code nexus run} has a file)
 * @param watchInterval how often the file is checked for a change (default 2s, from 100ms to 1h)
 */
public record ReloadConfig(boolean watch, Duration watchInterval) {
  public static final Duration DEFAULT_WATCH_INTERVAL = Duration.ofSeconds(2);
  public static final Duration MIN_WATCH_INTERVAL = Duration.ofMillis(100);
  public static final Duration MAX_WATCH_INTERVAL = Duration.ofHours(1);

  public static ReloadConfig defaults() {
    return new ReloadConfig(true, DEFAULT_WATCH_INTERVAL);
  }

  static ReloadConfig read(ConfigSection s) {
    ReloadConfig c = new ReloadConfig(s.bool("watch", true),
        s.duration("watch_interval", DEFAULT_WATCH_INTERVAL, MIN_WATCH_INTERVAL, MAX_WATCH_INTERVAL));
    s.finish();
    return c;
  }
}
