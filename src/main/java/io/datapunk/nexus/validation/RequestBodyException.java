package io.datapunk.nexus.validation;

import io.datapunk.nexus.pipeline.GatewayError;

/**
 * A request body the gateway refused while streaming it: over the size limit (413) or badly framed
 * (an invalid chunk, 400). The upstream call maps it to its error instead of a service failure.
 */
public final class RequestBodyException extends RuntimeException {
  private final GatewayError error;

  RequestBodyException(GatewayError error) {
    super(error.code(), null, false, false);
    this.error = error;
  }

  public GatewayError error() {
    return error;
  }

  /** The message the client gets. */
  public String clientMessage() {
    return error == GatewayError.BODY_TOO_LARGE ? "The request body is larger than this route accepts."
        : "The request body is not validly framed.";
  }
}
