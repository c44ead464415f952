package io.datapunk.nexus.pipeline;

/** The one error taxonomy of the gateway: every error it answers itself is one of these (see README). */
public enum GatewayError {
  VALIDATION(400, "validation"),
  AUTH(401, "auth"),
  FORBIDDEN(403, "forbidden"),
  NOT_FOUND(404, "not_found"),
  BODY_TOO_LARGE(413, "too_large"),
  URI_TOO_LONG(414, "too_large"),
  HEADERS_TOO_LARGE(431, "too_large"),
  RATE_LIMIT(429, "rate_limit"),
  SERVICE_DOWN(502, "service_down"),
  UNAVAILABLE(503, "unavailable"),
  TIMEOUT(504, "timeout"),
  INTERNAL(500, "internal"),
  /** Admin plane only: an admin endpoint whose capability is not part of this build (yet). */
  NOT_IMPLEMENTED(501, "not_implemented");

  private final int status;
  private final String code;

  GatewayError(int status, String code) {
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
