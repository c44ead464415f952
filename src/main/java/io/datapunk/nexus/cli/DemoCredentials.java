package io.datapunk.nexus.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/** The per-run secrets of {@code nexus demo} and the demo JWT signed with them (matches demo.yaml). */
final class DemoCredentials {
  private DemoCredentials() {}

  static String randomSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** A JWT for the demo's /secure route: subject demo-user, scope demo, valid for 24 hours. */
  static String jwt(String secret) {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("nexus-demo").audience("datapunk").subject("demo-user")
        .claim("client_id", "demo-cli").claim("scope", "demo").issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(24 * 3600))).build();
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("demo").build(), claims);
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
