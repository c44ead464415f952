package io.datapunk.nexus.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Verifies bearer JWTs (Nimbus JOSE+JWT) against the configured keys and JWKS. A token passes only
 * when all of these hold; every other token is refused the same way:
 *
 * <ul>
 *   <li>at most {@code max_token_size} bytes, three parts, a JWS header ({@code alg: none} in any
 *       casing, or a stripped signature, never verifies);
 *   <li>no {@code jku}, {@code x5u}, {@code jwk} or {@code x5c} header (keys are never taken from the
 *       token, and nothing it names is fetched) and no {@code crit} header;
 *   <li>its {@code kid} names a configured or JWKS key (without kid: a configured key allowing its
 *       alg), and that key's allow-list contains the token's {@code alg}: an RS256 key never verifies
 *       an HS256 token, whatever the token says;
 *   <li>the signature verifies;
 *   <li>{@code iss} equals the configured issuer, {@code aud} names a configured audience, {@code sub}
 *       is present, {@code exp} is present and not passed, {@code nbf} and {@code iat} are not in the
 *       future (each with {@code clock_skew}).
 * </ul>
 *
 * Verified tokens are cached by the whole Authorization value until they expire, so a client repeating
 * its token costs one lookup, not one signature check.
 */
public final class JwtVerifier {
  /** Returned by {@link #verifyNow} when the token names a kid no key has (yet): a JWKS refresh may help. */
  static final Identity UNKNOWN_KID = new Identity("-", "-", "-", Set.of(), Set.of(), 0);
  static final int MAX_KID_LENGTH = 256;
  private static final int MAX_CANDIDATES = 8;

  private final JwtConfig config;
  private final List<VerificationKey> staticKeys;
  private final Jwks jwks;
  private final LongSupplier clock;
  private final long skewMillis;
  private final Cache<TokenKey, Identity> verified;

  JwtVerifier(JwtConfig config, Jwks jwks, LongSupplier clock) {
    this.config = config;
    this.jwks = jwks;
    this.clock = clock;
    this.skewMillis = config.clockSkew().toMillis();
    List<VerificationKey> keys = new ArrayList<>();
    for (JwtConfig.KeyConfig k : config.keys()) {
      keys.add(new VerificationKey(k.id(), k.algorithms(), k.material().verifier()));
    }
    this.staticKeys = List.copyOf(keys);
    // Maintenance on the calling thread, as for the rate-limit buckets: no pool thread woken per burst.
    this.verified = Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run).build();
  }

  /** A verifier for the config, fetching its JWKS (if any) in the background with {@code vertx}. */
  public static JwtVerifier start(Vertx vertx, JwtConfig config) {
    Jwks jwks = config.jwks() == null ? null : new Jwks(vertx, config.jwks());
    if (jwks != null) {
      jwks.start();
    }
    return new JwtVerifier(config, jwks, System::currentTimeMillis);
  }

  public void stop() {
    if (jwks != null) {
      jwks.stop();
    }
  }

  /**
   * Verifies a token, waiting (at most the JWKS timeout) for a JWKS refresh when it names an unknown
   * kid; completes with the identity, or null when the token is refused.
   */
  public Future<Identity> verify(String token) {
    Identity id = verifyNow(token);
    if (id != UNKNOWN_KID) {
      return Future.succeededFuture(id);
    }
    return jwks.refreshForUnknownKid().map(refreshed -> {
      if (!refreshed) {
        return null;
      }
      Identity again = verifyNow(token);
      return again == UNKNOWN_KID ? null : again;
    });
  }

  /**
   * Verifies the token of an {@code Authorization: Bearer} value, looking the whole value up first (a
   * repeated header costs one lookup and no copy): the identity, null (refused) or {@link #UNKNOWN_KID}.
   */
  Identity verifyAuthorization(String authorization) {
    if (authorization.length() > config.maxTokenSize() + 64) {
      return null;
    }
    TokenKey key = new TokenKey(authorization);
    Identity cached = verified.getIfPresent(key);
    if (cached != null) {
      if (clock.getAsLong() <= cached.expiresAtMillis() + skewMillis) {
        return cached;
      }
      verified.invalidate(key);
      return null;
    }
    String token = AuthFilter.bearer(authorization);
    Identity id = token == null ? null : verifyNow(token);
    if (id != null && id != UNKNOWN_KID) {
      verified.put(key, id);
    }
    return id;
  }

  /** Verifies with the keys known now: the identity, null (refused) or {@link #UNKNOWN_KID}. */
  Identity verifyNow(String token) {
    if (token == null || token.isEmpty() || token.length() > config.maxTokenSize()) {
      return null;
    }
    long now = clock.getAsLong();
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | RuntimeException e) {
      return null;
    }
    JWSHeader header = jwt.getHeader();
    String alg = header.getAlgorithm().getName();
    if (!Algorithms.SUPPORTED.contains(alg) || header.getJWKURL() != null || header.getJWK() != null
        || header.getX509CertURL() != null || header.getX509CertChain() != null
        || (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())
        || header.getCustomParam("crit") != null) {
      return null;
    }
    String kid = header.getKeyID();
    if (kid != null && (kid.isEmpty() || kid.length() > MAX_KID_LENGTH)) {
      return null;
    }
    boolean any = false;
    boolean verifiedSignature = false;
    for (VerificationKey key : candidates(kid)) {
      any = true;
      if (!key.algorithms().contains(alg)) {
        continue;
      }
      try {
        if (jwt.verify(key.verifier())) {
          verifiedSignature = true;
          break;
        }
      } catch (JOSEException | RuntimeException e) {
        // a signature that cannot be checked is a signature that does not verify
      }
    }
    if (!verifiedSignature) {
      return !any && kid != null && jwks != null ? UNKNOWN_KID : null;
    }
    return claims(jwt, now);
  }

  private List<VerificationKey> candidates(String kid) {
    List<VerificationKey> out = new ArrayList<>(2);
    if (kid != null) {
      for (VerificationKey k : staticKeys) {
        if (kid.equals(k.kid())) {
          out.add(k);
        }
      }
      VerificationKey fromJwks = jwks == null ? null : jwks.key(kid);
      if (fromJwks != null) {
        out.add(fromJwks);
      }
      return out;
    }
    for (VerificationKey k : staticKeys) {
      if (out.size() < MAX_CANDIDATES) {
        out.add(k);
      }
    }
    if (jwks != null) {
      for (VerificationKey k : jwks.keys()) {
        if (k.kid() == null && out.size() < MAX_CANDIDATES) {
          out.add(k);
        }
      }
    }
    return out;
  }

  private Identity claims(SignedJWT jwt, long now) {
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return null;
    }
    Date exp = claims.getExpirationTime();
    if (exp == null || now > exp.getTime() + skewMillis) {
      return null;
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nbf.getTime() > now + skewMillis) {
      return null;
    }
    Date iat = claims.getIssueTime();
    if (iat != null && iat.getTime() > now + skewMillis) {
      return null;
    }
    if (!config.issuer().equals(claims.getIssuer())) {
      return null;
    }
    List<String> aud = claims.getAudience();
    boolean audienceOk = false;
    for (String a : aud) {
      audienceOk |= config.audiences().contains(a);
    }
    String sub = claims.getSubject();
    if (!audienceOk || sub == null || sub.isEmpty()) {
      return null;
    }
    Set<String> scopes = words(claims.getClaim(config.scopesClaim()));
    if (!"scp".equals(config.scopesClaim())) {
      scopes.addAll(words(claims.getClaim("scp")));
    }
    Set<String> roles = words(claims.getClaim(config.rolesClaim()));
    String clientId = text(claims.getClaim(config.clientIdClaim()));
    if (clientId == null) {
      clientId = text(claims.getClaim("azp"));
    }
    if (clientId == null) {
      clientId = sub;
    }
    // Identity values travel upstream in headers: nothing but printable ASCII may get there.
    if (!printable(sub, true) || !printable(clientId, true) || !allPrintable(scopes) || !allPrintable(roles)) {
      return null;
    }
    return new Identity("jwt", sub, clientId, java.util.Collections.unmodifiableSet(scopes),
        java.util.Collections.unmodifiableSet(roles), exp.getTime());
  }

  /**
   * A cache key for a token text: hashed over its last 32 characters (the signature, random) instead
   * of all of it, compared whole. Each request brings a new String whose hash would otherwise be
   * computed over every character.
   */
  static final class TokenKey {
    private final String text;
    private final int hash;

    TokenKey(String text) {
      this.text = text;
      int h = text.length();
      for (int i = Math.max(0, text.length() - 32); i < text.length(); i++) {
        h = 31 * h + text.charAt(i);
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TokenKey k && k.hash == hash && k.text.equals(text);
    }
  }

  static boolean printable(String s, boolean spaces) {
    if (s.length() > 1024) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 0x7e || c < 0x20 || (c == ' ' && !spaces)) {
        return false;
      }
    }
    return true;
  }

  /** The characters of the regex class {@code \s}. */
  private static boolean regexSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  private static boolean allPrintable(Set<String> words) {
    for (String w : words) {
      if (!printable(w, false)) {
        return false;
      }
    }
    return true;
  }

  /** The words of a space-separated claim or the strings of a list claim, in order, without repeats. */
  private static Set<String> words(Object claim) {
    Set<String> out = new LinkedHashSet<>();
    if (claim instanceof String s) {
      // What s.trim().split("\\s+") gave, by hand: that split compiles a regex on every call.
      int i = 0;
      int n = s.length();
      while (i < n && s.charAt(i) <= ' ') {
        i++;
      }
      while (n > i && s.charAt(n - 1) <= ' ') {
        n--;
      }
      while (i < n) {
        int start = i;
        while (i < n && !regexSpace(s.charAt(i))) {
          i++;
        }
        if (i > start) {
          out.add(s.substring(start, i));
        }
        while (i < n && regexSpace(s.charAt(i))) {
          i++;
        }
      }
    } else if (claim instanceof Collection<?> list) {
      for (Object o : list) {
        if (o instanceof String s && !s.isEmpty()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static String text(Object claim) {
    return claim instanceof String s && !s.isEmpty() ? s : null;
  }
}
