package io.datapunk.nexus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckCommandTest {
  @Test
  void printsEveryErrorPathAndExitsOne(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("bad.yaml"), """
        service_routes:
          lake:
            prefix: /storage
            service_url: http://lake:8001
            timeout: -1
          stream:
            prefix: stream
            service_url: http://stream:8002
        network_optimization:
          connection_pooling:
            max_size: 0
        """);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true));
      code = Main.commandLine().execute("check", "-c", file.toString());
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("3 errors")
        .contains("service_routes.lake.timeout: -1 (expected: > 0")
        .contains("service_routes.stream.prefix: stream (expected: a path starting with /")
        .contains("network_optimization.connection_pooling.max_size: 0 (expected: an integer from 1 to 10000)");
  }

  @Test
  void aValidFileExitsZero(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("ok.yaml"), "service_routes:\n  a: {prefix: /a, service_url: \"http://h:1\"}\n");
    assertThat(Main.commandLine().execute("check", "-c", file.toString())).isZero();
  }
}
