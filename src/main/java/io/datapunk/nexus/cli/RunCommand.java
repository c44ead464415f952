package io.datapunk.nexus.cli;

import io.datapunk.nexus.config.ConfigException;
import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.server.Gateway;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexus run [-c FILE]}: the gateway with a config file. */
@Command(name = "run", description = "Run the gateway with a config file.")
final class RunCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, description = "config file (default: $NEXUS_CONFIG or config/nexus.yaml)")
  Path config;

  @Override
  public Integer call() throws Exception {
    Path file = ConfigFiles.resolve(config);
    NexusConfig c;
    try {
      c = new ConfigLoader().load(file);
    } catch (ConfigException e) {
      System.err.println(file + ": " + e.getMessage());
      return 1;
    }
    return Launch.runUntilStopped(c, file);
  }
}
