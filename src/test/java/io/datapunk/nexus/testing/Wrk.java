package io.datapunk.nexus.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A wrk load generator run as its own process: started with a long duration and stopped with SIGINT
 * when the scenario is over (wrk then prints its summary), so the load covers the whole scenario.
 */
public final class Wrk implements AutoCloseable {
  /** wrk's summary: requests done, responses not 2xx/3xx, and socket errors by kind. */
  public record Result(long requests, long non2xx, long connectErrors, long readErrors, long writeErrors,
                       long timeouts, String raw) {
    public long socketErrors() {
      return connectErrors + readErrors + writeErrors + timeouts;
    }

    public long failed() {
      return non2xx + socketErrors();
    }

    static Result parse(String out) {
      long requests = find(out, "(\\d+) requests in");
      long non2xx = find(out, "Non-2xx or 3xx responses: (\\d+)");
      Matcher m = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
      if (requests < 0) {
        throw new IllegalStateException("no wrk summary in: " + out);
      }
      if (m.find()) {
        return new Result(requests, Math.max(0, non2xx), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
            Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), out);
      }
      return new Result(requests, Math.max(0, non2xx), 0, 0, 0, 0, out);
    }

    private static long find(String out, String regex) {
      Matcher m = Pattern.compile(regex).matcher(out);
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
  }

  private final Process process;
  private final Path output;

  private Wrk(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /** Starts wrk against {@code url} with {@code connections} connections, one thread, an optional Lua script. */
  public static Wrk start(String url, int connections, Path script) throws IOException {
    Path out = Files.createTempFile("wrk", ".out");
    List<String> cmd = new ArrayList<>(List.of("wrk", "-t1", "-c" + connections, "-d600s", "--timeout", "10s"));
    if (script != null) {
      cmd.addAll(List.of("-s", script.toString()));
    }
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    return new Wrk(p, out);
  }

  /** Stops the load (SIGINT) and returns wrk's summary. */
  public Result stop() throws Exception {
    new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("wrk did not stop: " + Files.readString(output));
    }
    return Result.parse(Files.readString(output));
  }

  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
