package io.datapunk.nexus.auth;

import java.util.List;

/** The JWS algorithms the gateway can verify; a key only ever verifies those of its own allow-list. */
final class Algorithms {
  static final List<String> SUPPORTED = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
      "ES384", "ES512", "EdDSA", "Ed25519", "HS256", "HS384", "HS512");

  private Algorithms() {}
}
