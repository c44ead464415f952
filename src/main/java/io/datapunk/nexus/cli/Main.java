package io.datapunk.nexus.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nexus} command line. */
@Command(name = "nexus", mixinStandardHelpOptions = true, version = "nexus 0.1.0",
    description = "Datapunk Nexus: the API gateway in front of the Datapunk services.")
public final class Main implements Runnable {
  /**
   * The subcommands, by name. Picocli reads every option of every registered command by reflection
   * (about 0.2 s for all of them on a cold JVM), so a command line names one and only that one is
   * registered: {@code nexus run} starts that much sooner.
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

  static {
    SUBCOMMANDS.put("run", RunCommand::new);
    SUBCOMMANDS.put("check", CheckCommand::new);
    SUBCOMMANDS.put("demo", DemoCommand::new);
    SUBCOMMANDS.put("status", StatusCommand::new);
    SUBCOMMANDS.put("cache", CacheCommand::new);
    SUBCOMMANDS.put("demo-service", DemoServiceCommand::new);
    SUBCOMMANDS.put("keys", KeysCommand::new);
  }

  @Override
  public void run() {
    commandLine().usage(System.out);
  }

  /**
   * The command line for these arguments: only the subcommand they name, or every subcommand when
   * they name none (usage, help, and {@code commandLine()} in tests).
   */
  public static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new Main());
    Supplier<Object> named = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
    if (named != null) {
      cl.addSubcommand(args[0], named.get());
    } else {
      SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
    }
    return cl;
  }

  public static void main(String[] args) {
    // Netty's allocator emits JFR events when it can; asking whether they are wanted initializes
    // JFR's event metadata (~100 ms of every start) even when nothing records. Off unless asked for
    // (-Dio.netty.jfr.enabled=true).
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    // Exit explicitly: after a drained stop, threads of other components (the demo's services) may
    // still be alive, and the exit status must be the command's.
    System.exit(commandLine(args).execute(args));
  }
}
