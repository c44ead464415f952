package io.datapunk.nexus.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code docker compose config} (or the standalone {@code docker-compose config}) validates
 * deploy/docker-compose.yml against the Compose schema. Neither needs a Docker engine. Skipped, and
 * said so, when no Compose client is installed.
 */
class ComposeConfigTest {
  @Test
  void composeAcceptsTheComposeFile() throws Exception {
    List<String> command = null;
    for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
      if (runs(candidate, "version")) {
        command = candidate;
        break;
      }
    }
    assumeTrue(command != null, "no docker compose / docker-compose client installed: compose file not validated");
    List<String> full = new java.util.ArrayList<>(command);
    full.addAll(List.of("-f", "docker-compose.yml", "config", "--quiet"));
    Process p = new ProcessBuilder(full).directory(new File("deploy")).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", full) + ": " + out).isZero();
  }

  static boolean runs(List<String> command, String arg) {
    try {
      List<String> full = new java.util.ArrayList<>(command);
      full.add(arg);
      Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
