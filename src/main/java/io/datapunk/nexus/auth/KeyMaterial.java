package io.datapunk.nexus.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * A verification key: an RSA, EC or Ed25519 public key (PEM {@code PUBLIC KEY} or {@code CERTIFICATE},
 * inline or in a file), or an HMAC secret of at least 32 bytes.
 */
final class KeyMaterial {
  private final PublicKey publicKey;
  private final byte[] secret;

  private KeyMaterial(PublicKey publicKey, byte[] secret) {
    this.publicKey = publicKey;
    this.secret = secret;
  }

  static KeyMaterial secret(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < 32) {
      throw new IllegalArgumentException("an HMAC secret of at least 32 bytes");
    }
    return new KeyMaterial(null, bytes);
  }

  /** PEM text, or the path of a PEM file. */
  static KeyMaterial publicKey(String pemOrPath) {
    String pem = pemOrPath;
    if (!pem.contains("-----BEGIN")) {
      try {
        pem = Files.readString(Path.of(pemOrPath));
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("PEM text or a readable PEM file");
      }
    }
    return new KeyMaterial(parsePem(pem), null);
  }

  static KeyMaterial of(PublicKey key) {
    return new KeyMaterial(key, null);
  }

  static PublicKey parsePem(String pem) {
    try {
      if (pem.contains("-----BEGIN CERTIFICATE-----")) {
        return CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).getPublicKey();
      }
      int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
      int end = pem.indexOf("-----END PUBLIC KEY-----");
      if (begin < 0 || end < begin) {
        throw new IllegalArgumentException("a PEM PUBLIC KEY or CERTIFICATE");
      }
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 26, end));
      for (String type : new String[] {"RSA", "EC", "Ed25519"}) {
        try {
          return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
        } catch (java.security.GeneralSecurityException ignored) {
          // try the next key type
        }
      }
      throw new IllegalArgumentException("an RSA, EC or Ed25519 public key");
    } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("a PEM PUBLIC KEY or CERTIFICATE with an RSA, EC or Ed25519 key");
    }
  }

  /** Equal when the same key or secret (so an unchanged config compares equal on reload). */
  @Override
  public boolean equals(Object o) {
    return o instanceof KeyMaterial k && java.util.Arrays.equals(bytes(), k.bytes());
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(bytes());
  }

  /** The type and a short fingerprint; never the secret. */
  @Override
  public String toString() {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(bytes());
      return type() + " sha256:" + java.util.HexFormat.of().formatHex(d, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      return type();
    }
  }

  private byte[] bytes() {
    return secret != null ? secret : publicKey.getEncoded();
  }

  String type() {
    if (secret != null) {
      return "HMAC secret";
    }
    return publicKey instanceof RSAPublicKey ? "RSA" : publicKey instanceof ECPublicKey ? "EC" : "Ed25519";
  }

  /** Whether this key can verify algorithm {@code alg}. */
  boolean fits(String alg) {
    if (secret != null) {
      return alg.startsWith("HS") && secret.length * 8 >= Integer.parseInt(alg.substring(2));
    }
    if (publicKey instanceof RSAPublicKey) {
      return alg.startsWith("RS") || alg.startsWith("PS");
    }
    if (publicKey instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return switch (alg) {
        case "ES256" -> bits == 256;
        case "ES384" -> bits == 384;
        case "ES512" -> bits == 521;
        default -> false;
      };
    }
    return publicKey instanceof EdECPublicKey && (alg.equals("EdDSA") || alg.equals("Ed25519"));
  }

  /** A verifier for this key (thread-safe, made once). */
  JWSVerifier verifier() {
    try {
      if (secret != null) {
        return new MACVerifier(secret);
      }
      if (publicKey instanceof RSAPublicKey rsa) {
        return new RSASSAVerifier(rsa);
      }
      if (publicKey instanceof ECPublicKey ec) {
        return new ECDSAVerifier(ec);
      }
      return new EdDsaVerifier((EdECPublicKey) publicKey);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("a key the verifier accepts");
    }
  }
}
