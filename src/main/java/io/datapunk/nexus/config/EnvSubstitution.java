package io.datapunk.nexus.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Replaces {@code ${VAR}} and {@code ${VAR:-default}} in config values. */
public final class EnvSubstitution {
  private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private final Function<String, String> env;

  public EnvSubstitution(Function<String, String> env) {
    this.env = env;
  }

  /** The value with references replaced; throws IllegalArgumentException naming an unset variable without default. */
  public String apply(String value) {
    if (value.indexOf("${") < 0) {
      return value;
    }
    Matcher m = REF.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String resolved = env.apply(m.group(1));
      if (resolved == null || (resolved.isEmpty() && m.group(2) != null)) {
        if (m.group(2) == null) {
          throw new IllegalArgumentException("${" + m.group(1) + "} is not set (expected: an environment variable, or ${"
              + m.group(1) + ":-default})");
        }
        resolved = m.group(2);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(resolved));
    }
    m.appendTail(out);
    return out.toString();
  }
}
