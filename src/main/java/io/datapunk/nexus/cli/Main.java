package io.datapunk.nexus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nexus} command line. */
@Command(name = "nexus", mixinStandardHelpOptions = true, version = "nexus 0.1.0",
    description = "Datapunk Nexus: the API gateway in front of the Datapunk services.",
    subcommands = {RunCommand.class, CheckCommand.class, DemoCommand.class, StatusCommand.class, CacheCommand.class,
        DemoServiceCommand.class, KeysCommand.class})
public final class Main implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    // Exit explicitly: after a drained stop, threads of other components (the demo's services) may
    // still be alive, and the exit status must be the command's.
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
