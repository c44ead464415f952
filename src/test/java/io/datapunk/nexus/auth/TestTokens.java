package io.datapunk.nexus.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/** Keys made for a test run and tokens signed with them (valid ones and hostile ones). */
final class TestTokens {
  static final String ISSUER = "https://issuer.test";
  static final String AUDIENCE = "nexus";
  static final String HMAC = "0123456789abcdef0123456789abcdef-test-secret";

  final KeyPair rsa = generate("RSA", null);
  final KeyPair ec = generate("EC", new ECGenParameterSpec("secp256r1"));
  final KeyPair ed = generate("Ed25519", null);
  final KeyPair attacker = generate("RSA", null);

  static KeyPair generate(String type, java.security.spec.AlgorithmParameterSpec spec) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(type);
      if (spec != null) {
        g.initialize(spec);
      } else if (type.equals("RSA")) {
        g.initialize(2048);
      }
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  static Path pemFile(Path dir, String name, PublicKey key) throws Exception {
    Path p = dir.resolve(name + ".pem");
    Files.writeString(p, pem(key));
    return p;
  }

  static JWTClaimsSet.Builder claims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("user-1")
        .claim("client_id", "web-app").claim("scope", "read write")
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(5)))
        .expirationTime(Date.from(now.plusSeconds(300)));
  }

  static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String rs256(String kid, JWTClaimsSet claims) {
    return sign(new RSASSASigner(rsa.getPrivate()), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid)
        .type(JOSEObjectType.JWT).build(), claims);
  }

  String rs256(JWTClaimsSet claims) {
    return rs256("rsa-1", claims);
  }

  String valid() {
    return rs256(claims().build());
  }

  String ps256(JWTClaimsSet claims) {
    return sign(new RSASSASigner(rsa.getPrivate()), new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("rsa-1").build(), claims);
  }

  String es256(JWTClaimsSet claims) {
    try {
      return sign(new ECDSASigner((ECPrivateKey) ec.getPrivate()), new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), claims);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String hs256(JWTClaimsSet claims) {
    try {
      return sign(new MACSigner(HMAC.getBytes(StandardCharsets.UTF_8)), new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("hmac-1").build(), claims);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** EdDSA signed with the JDK (Nimbus's own Ed25519 signer needs Tink). */
  String eddsa(JWTClaimsSet claims) {
    String header = b64("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}");
    String payload = b64(claims.toString());
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(ed.getPrivate());
      s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
      return header + "." + payload + "." + Base64URL.encode(s.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token from raw header JSON, payload JSON and signature bytes (for hostile headers). */
  static String raw(String headerJson, String payloadJson, byte[] signature) {
    return b64(headerJson) + "." + b64(payloadJson) + "." + (signature == null ? "" : Base64URL.encode(signature));
  }

  /** HMAC-SHA256 over header.payload with an arbitrary key. */
  static String hmacSigned(String headerJson, String payloadJson, byte[] key) {
    try {
      String input = b64(headerJson) + "." + b64(payloadJson);
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      return input + "." + Base64URL.encode(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }

  static String payload() {
    return claims().build().toString();
  }

  static List<String> noneCasings() {
    return List.of("none", "None", "NONE", "nOnE");
  }
}
