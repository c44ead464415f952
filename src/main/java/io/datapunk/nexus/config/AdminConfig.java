package io.datapunk.nexus.config;

/**
 * The admin-plane listener ({@code admin:}): health, metrics, the admin API and the dashboard, never
 * reachable through the data port.
 *
 * @param host address to bind (default 127.0.0.1; set 0.0.0.0 in containers so probes reach it)
 * @param port admin port (default 9000; 0 picks a free port)
 * @param token bearer token of the admin API (at least 16 characters; usually {@code ${NEXUS_ADMIN_TOKEN}});
 *     null: the admin API answers 403 (health, metrics and the dashboard page still serve)
 * @param allow addresses and CIDR blocks that may use the admin API and /metrics (default: all)
 */
public record AdminConfig(String host, int port, String token, IpAllowList allow) {
  public static final int DEFAULT_PORT = 9000;
  /** Shortest admin token accepted. */
  public static final int MIN_TOKEN_LENGTH = 16;
  public static final int MAX_TOKEN_LENGTH = 4096;

  public AdminConfig(String host, int port) {
    this(host, port, null, IpAllowList.all());
  }

  @Override
  public String toString() {
    return "AdminConfig[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "(redacted)")
        + ", allow=" + allow.entries() + "]";
  }

  static AdminConfig read(ConfigSection s) {
    String host = s.string("host", "127.0.0.1");
    int port = s.integer("port", DEFAULT_PORT, 0, 65535);
    String token = s.string("token", null);
    if (token != null && token.isEmpty()) {
      token = null;
    } else if (token != null && (token.length() < MIN_TOKEN_LENGTH || token.length() > MAX_TOKEN_LENGTH)) {
      // The value itself is a secret: the message gives only its length.
      s.error("token", "(" + token.length() + " characters)",
          "from " + MIN_TOKEN_LENGTH + " to " + MAX_TOKEN_LENGTH + " characters");
      token = null;
    }
    IpAllowList allow = IpAllowList.read(s, "allow");
    s.finish();
    return new AdminConfig(host, port, token, allow);
  }
}
