package io.datapunk.nexus.jmh;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.datapunk.nexus.auth.Identity;
import io.datapunk.nexus.auth.JwtVerifierAccess;
import io.datapunk.nexus.config.ConfigLoader;
import io.datapunk.nexus.config.NexusConfig;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JWT check (AUTHENTICATION stage) with the verification keys already loaded (static keys from the
 * config, so no JWKS fetch): a token seen for the first time (parse, kid lookup, signature, claims)
 * with RS256 (2048-bit), ES256 (P-256) and HS256; and a repeated {@code Authorization} header, answered
 * from the verified-token cache, which is what a client reusing its token costs per request.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JwtVerifyBenchmark {
  private static final String ISSUER = "https://auth.datapunk.io";
  private static final String HMAC_SECRET = "bench-hmac-secret-of-at-least-32-bytes-0123456789";

  private JwtVerifierAccess verifier;
  private String rs256;
  private String es256;
  private String hs256;
  private String authorization;

  @Setup
  public void setUp() throws Exception {
    KeyPair rsa = generate("RSA", null);
    KeyPair ec = generate("EC", new ECGenParameterSpec("secp256r1"));
    String yaml = """
        security:
          jwt:
            issuer: "%s"
            audience: [nexus, datapunk-api]
            keys:
              - {id: rsa-1, algorithms: [RS256], public_key: "%s"}
              - {id: ec-1, algorithms: [ES256], public_key: "%s"}
              - {id: hmac-1, algorithms: [HS256], secret: "%s"}
        """.formatted(ISSUER, pem(rsa.getPublic()), pem(ec.getPublic()), HMAC_SECRET);
    NexusConfig config = new ConfigLoader(Map.<String, String>of()::get).parse(yaml);
    verifier = new JwtVerifierAccess(config.security().jwt());
    rs256 = sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, "rsa-1");
    es256 = sign(new ECDSASigner((ECPrivateKey) ec.getPrivate()), JWSAlgorithm.ES256, "ec-1");
    hs256 = sign(new MACSigner(HMAC_SECRET), JWSAlgorithm.HS256, "hmac-1");
    authorization = "Bearer " + rs256;
    for (String token : List.of(rs256, es256, hs256)) {
      if (verifier.verifyNow(token) == null) {
        throw new IllegalStateException("refused: " + token);
      }
    }
    if (verifier.verifyAuthorization(authorization) == null) {
      throw new IllegalStateException("refused: " + authorization);
    }
  }

  @Benchmark
  public Identity rs256() {
    return verifier.verifyNow(rs256);
  }

  @Benchmark
  public Identity es256() {
    return verifier.verifyNow(es256);
  }

  @Benchmark
  public Identity hs256() {
    return verifier.verifyNow(hs256);
  }

  /** A repeated header (the same String, as a pooled connection's client would send): a cache hit. */
  @Benchmark
  public Identity cachedToken() {
    return verifier.verifyAuthorization(authorization);
  }

  private static String sign(JWSSigner signer, JWSAlgorithm alg, String kid) throws Exception {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience("nexus").subject("user-7f3a9c")
        .claim("client_id", "web-dashboard").claim("scope", "storage:read storage:write stream:read")
        .claim("roles", List.of("analyst", "ops")).jwtID("b1f0c9e2-5d1e-4c59-9a0e-2f6c1c7d8e11")
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(5)))
        .expirationTime(Date.from(now.plusSeconds(24 * 3600))).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static KeyPair generate(String type, ECGenParameterSpec spec) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(type);
    if (spec != null) {
      g.initialize(spec);
    } else {
      g.initialize(2048);
    }
    return g.generateKeyPair();
  }

  private static String pem(PublicKey key) {
    // One line with \n escapes: the YAML double-quoted string turns them back into line breaks.
    return "-----BEGIN PUBLIC KEY-----\\n" + Base64.getEncoder().encodeToString(key.getEncoded())
        + "\\n-----END PUBLIC KEY-----\\n";
  }
}
