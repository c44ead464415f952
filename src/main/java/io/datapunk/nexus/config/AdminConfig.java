package io.datapunk.nexus.config;

/**
 * The admin-plane listener ({@code admin:}): health, metrics and the admin API, never reachable
 * through the data port.
 *
 * @param host address to bind (default 127.0.0.1; set 0.0.0.0 in containers so probes reach it)
 * @param port admin port (default 9000; 0 picks a free port)
 */
public record AdminConfig(String host, int port) {
  public static final int DEFAULT_PORT = 9000;

  static AdminConfig read(ConfigSection s) {
    AdminConfig c = new AdminConfig(s.string("host", "127.0.0.1"), s.integer("port", DEFAULT_PORT, 0, 65535));
    s.finish();
    return c;
  }
}
