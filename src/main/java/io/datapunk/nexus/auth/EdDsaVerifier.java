package io.datapunk.nexus.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.util.Set;

/**
 * Verifies EdDSA (Ed25519) signatures with the JDK's own implementation (Java 15+), so Nimbus's
 * optional Tink dependency is not needed.
 */
final class EdDsaVerifier implements JWSVerifier {
  private static final Set<JWSAlgorithm> ALGS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
  private final EdECPublicKey key;
  private final JCAContext jca = new JCAContext();

  EdDsaVerifier(EdECPublicKey key) {
    this.key = key;
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
    if (!ALGS.contains(header.getAlgorithm()) || (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())) {
      return false;
    }
    byte[] sig = signature.decode();
    if (sig.length != 64) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(signingInput);
      return verifier.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return ALGS;
  }

  @Override
  public JCAContext getJCAContext() {
    return jca;
  }
}
