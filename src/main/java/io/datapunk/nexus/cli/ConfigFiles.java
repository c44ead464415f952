package io.datapunk.nexus.cli;

import java.nio.file.Path;

/** Where the config file comes from when {@code -c} is not given. */
final class ConfigFiles {
  static final String DEFAULT = "config/nexus.yaml";

  private ConfigFiles() {}

  static Path resolve(Path given) {
    if (given != null) {
      return given;
    }
    String env = System.getenv("NEXUS_CONFIG");
    return Path.of(env == null || env.isBlank() ? DEFAULT : env);
  }
}
