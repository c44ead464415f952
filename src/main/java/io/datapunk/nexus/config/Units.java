package io.datapunk.nexus.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the duration ({@code 30}, {@code 30s}, {@code 500ms}) and size ({@code 2gb}, {@code 512mb}) notations of the config. */
public final class Units {
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|k|mb|m|gb|g|kib|mib|gib)?");

  private Units() {}

  /** A duration; a bare number means seconds. Returns null when the text is not a duration. */
  public static Duration duration(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return null;
    }
    double value = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double millis = switch (unit) {
      case "ms" -> value;
      case "s" -> value * 1_000;
      case "m" -> value * 60_000;
      default -> value * 3_600_000;
    };
    return Duration.ofNanos(Math.round(millis * 1_000_000));
  }

  /** A size in bytes; a bare number means bytes. Returns -1 when the text is not a size. */
  public static long size(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return -1;
    }
    double value = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long factor = switch (unit) {
      case "kb", "k", "kib" -> 1L << 10;
      case "mb", "m", "mib" -> 1L << 20;
      case "gb", "g", "gib" -> 1L << 30;
      default -> 1L;
    };
    return Math.round(value * factor);
  }

  /** A duration as the config writes it, in milliseconds ({@code 1500ms}), for error messages. */
  static String describe(Duration d) {
    return d.toMillis() + "ms";
  }
}
