package io.datapunk.nexus.auth;

/**
 * Benchmark access to the package-private entry points of {@link JwtVerifier} (compiled only by the
 * {@code jmh} Maven profile): a verifier on static keys only, so nothing is ever fetched.
 */
public final class JwtVerifierAccess {
  private final JwtVerifier verifier;

  public JwtVerifierAccess(JwtConfig config) {
    this.verifier = new JwtVerifier(config, null, System::currentTimeMillis);
  }

  /** Parse, key choice, signature and claims: what a token not yet seen costs. */
  public Identity verifyNow(String token) {
    return verifier.verifyNow(token);
  }

  /** The filter's entry: the verified-token cache first, then {@link #verifyNow}. */
  public Identity verifyAuthorization(String authorization) {
    return verifier.verifyAuthorization(authorization);
  }
}
