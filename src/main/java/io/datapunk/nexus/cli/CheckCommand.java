package io.datapunk.nexus.cli;

import io.datapunk.nexus.config.ConfigException;
import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nexus check -c FILE}: validates a config and prints every error with its path. */
@Command(name = "check", description = "Validate a config file; print every error with its path (exit 1 on any).")
final class CheckCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, description = "config file (default: $NEXUS_CONFIG or config/nexus.yaml)")
  Path config;

  @Override
  public Integer call() {
    Path file = ConfigFiles.resolve(config);
    try {
      NexusConfig c = new ConfigLoader().load(file);
      System.out.println(file + ": OK (" + c.routes().size() + " routes)");
      return 0;
    } catch (ConfigException e) {
      System.err.println(file + ": " + e.errors().size() + (e.errors().size() == 1 ? " error" : " errors"));
      for (String error : e.errors()) {
        System.err.println("  " + error);
      }
      return 1;
    }
  }
}
