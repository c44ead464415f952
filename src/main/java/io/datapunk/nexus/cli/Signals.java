package io.datapunk.nexus.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSIX signal handlers of the gateway process. The JDK's {@code sun.misc.Signal} (module
 * jdk.unsupported, present on every JDK since 9) is the only way for a Java program to act on SIGTERM
 * itself: with a shutdown hook the JVM would exit with status 143 after it, where a drained stop must
 * exit 0, and SIGHUP could not be used for reloads.
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /** Runs {@code action} on a fresh thread each time the signal arrives; false when it cannot be handled here. */
  @SuppressWarnings("removal")
  static boolean handle(String name, Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
        Thread t = new Thread(action, "nexus-" + name.toLowerCase(java.util.Locale.ROOT));
        t.start();
      });
      return true;
    } catch (LinkageError | IllegalArgumentException e) {
      // No such signal on this platform, or the JVM reserves it (-Xrs): the caller falls back.
      LOG.debug("signal {} not handled: {}", name, e.toString());
      return false;
    }
  }
}
