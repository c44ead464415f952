package io.datapunk.nexus.config;

import java.util.List;

/** A configuration that cannot be used; carries every problem found, each naming its path. */
public final class ConfigException extends RuntimeException {
  private final List<String> errors;

  public ConfigException(List<String> errors) {
    super(errors.size() == 1 ? errors.get(0) : errors.size() + " configuration errors:\n  " + String.join("\n  ", errors));
    this.errors = List.copyOf(errors);
  }

  /** Each problem as {@code path: value (expected: ...)}. */
  public List<String> errors() {
    return errors;
  }
}
