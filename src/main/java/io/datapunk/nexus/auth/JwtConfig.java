package io.datapunk.nexus.auth;

import io.datapunk.nexus.config.ConfigSection;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * JWT validation ({@code security.jwt:}). Tokens are accepted only when signed by one of the
 * configured keys (or a key of the JWKS URL) with an algorithm that key allows, and when
 * {@code iss}, {@code aud}, {@code exp} (required), {@code nbf} and {@code iat} pass.
 *
 * @param issuer required {@code iss} value
 * @param audiences accepted {@code aud} values (the token must name at least one)
 * @param clockSkew tolerance on exp/nbf/iat (default 60s)
 * @param maxTokenSize longest token accepted, in bytes (default 8kb)
 * @param scopesClaim claim with the scopes, a space-separated string or a list (default {@code scope};
 *     {@code scp} is read too)
 * @param rolesClaim claim with the roles, a list or a space-separated string (default {@code roles})
 * @param clientIdClaim claim naming the client (default {@code client_id}, then {@code azp}, then {@code sub})
 * @param keys static keys
 * @param jwks keys fetched from a JWKS URL, or null
 */
public record JwtConfig(String issuer, Set<String> audiences, Duration clockSkew, int maxTokenSize, String scopesClaim,
                        String rolesClaim, String clientIdClaim, List<KeyConfig> keys, JwksConfig jwks) {
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_TOKEN_SIZE = 8192;
  /** No JWT validation configured. */
  public static final JwtConfig NONE = new JwtConfig(null, Set.of(), DEFAULT_CLOCK_SKEW, DEFAULT_MAX_TOKEN_SIZE, "scope",
      "roles", "client_id", List.of(), null);

  /**
   * One static key ({@code security.jwt.keys[]}).
   *
   * @param id the {@code kid} tokens name it by; tokens without kid try every key allowing their alg
   * @param algorithms the algorithms this key may verify (an explicit allow-list)
   * @param material the parsed public key or HMAC secret
   */
  public record KeyConfig(String id, Set<String> algorithms, KeyMaterial material) {}

  /**
   * Keys from a JWKS URL ({@code security.jwt.jwks:}).
   *
   * @param url the JWKS document (http or https)
   * @param algorithms the algorithms its keys may verify
   * @param refreshInterval how often the set is fetched again (default 5m)
   * @param minRefreshInterval at most one fetch per this interval when a token names an unknown kid
   *     (default 30s)
   * @param timeout limit for one fetch (default 2s)
   */
  public record JwksConfig(URI url, Set<String> algorithms, Duration refreshInterval, Duration minRefreshInterval,
                           Duration timeout) {}

  public boolean enabled() {
    return issuer != null;
  }

  public static JwtConfig read(ConfigSection s) {
    if (!s.has("issuer") && !s.has("keys") && !s.has("jwks") && !s.has("audience")) {
      s.accept("issuer", "audience", "clock_skew", "max_token_size", "scopes_claim", "roles_claim", "client_id_claim",
          "keys", "jwks");
      s.finish();
      return NONE;
    }
    String issuer = s.requiredString("issuer");
    List<String> audiences = s.has("audience") && !isList(s, "audience") ? List.of(s.string("audience", ""))
        : s.stringList("audience");
    if (audiences.isEmpty() || audiences.contains("")) {
      s.error("audience", "missing", "the audience value (or list) tokens must carry in aud");
    }
    Duration skew = s.duration("clock_skew", DEFAULT_CLOCK_SKEW, true);
    int maxSize = (int) s.size("max_token_size", DEFAULT_MAX_TOKEN_SIZE, 256, 1 << 20);
    String scopes = s.string("scopes_claim", "scope");
    String roles = s.string("roles_claim", "roles");
    String clientId = s.string("client_id_claim", "client_id");
    List<KeyConfig> keys = new ArrayList<>();
    int i = 0;
    for (ConfigSection k : s.sectionList("keys")) {
      KeyConfig key = readKey(k);
      if (key != null) {
        keys.add(key);
      }
      i++;
    }
    JwksConfig jwks = s.has("jwks") ? readJwks(s.section("jwks")) : null;
    if (!s.has("jwks")) {
      s.accept("jwks");
    }
    if (keys.isEmpty() && jwks == null && i == 0) {
      s.error("keys", "missing", "at least one key, or a jwks url");
    }
    s.finish();
    return new JwtConfig(issuer, Set.copyOf(audiences), skew, maxSize, scopes, roles, clientId, List.copyOf(keys), jwks);
  }

  private static boolean isList(ConfigSection s, String key) {
    return s.isList(key);
  }

  private static KeyConfig readKey(ConfigSection k) {
    String id = k.string("id", null);
    List<String> algs = k.stringList("algorithms");
    if (algs.isEmpty()) {
      k.error("algorithms", "missing", "the list of algorithms this key may verify, e.g. [RS256]");
    }
    for (String a : algs) {
      if (!Algorithms.SUPPORTED.contains(a)) {
        k.error("algorithms", a, "one of " + String.join(", ", Algorithms.SUPPORTED));
      }
    }
    String publicKey = k.string("public_key", null);
    String secret = k.string("secret", null);
    k.finish();
    if ((publicKey == null) == (secret == null)) {
      k.error("public_key", "missing", "either public_key (PEM text or file) or secret (HMAC), not both");
      return null;
    }
    KeyMaterial material;
    try {
      material = publicKey != null ? KeyMaterial.publicKey(publicKey) : KeyMaterial.secret(secret);
    } catch (IllegalArgumentException e) {
      k.error(publicKey != null ? "public_key" : "secret", "(not shown)", e.getMessage());
      return null;
    }
    for (String a : algs) {
      if (Algorithms.SUPPORTED.contains(a) && !material.fits(a)) {
        k.error("algorithms", a, "an algorithm for this key's type (" + material.type() + ")");
      }
    }
    return new KeyConfig(id, Set.copyOf(algs), material);
  }

  private static JwksConfig readJwks(ConfigSection j) {
    String url = j.requiredString("url");
    URI uri = null;
    if (url != null) {
      try {
        uri = new URI(url);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
          j.error("url", url, "an http:// or https:// URL");
        }
      } catch (java.net.URISyntaxException e) {
        j.error("url", url, "an http:// or https:// URL");
      }
    }
    List<String> algs = j.stringList("algorithms");
    if (algs.isEmpty()) {
      j.error("algorithms", "missing", "the list of algorithms the JWKS keys may verify, e.g. [RS256, ES256]");
    }
    for (String a : algs) {
      if (!Algorithms.SUPPORTED.contains(a) || a.startsWith("HS")) {
        j.error("algorithms", a, "an asymmetric algorithm: one of RS256..PS512, ES256..ES512, EdDSA");
      }
    }
    JwksConfig c = new JwksConfig(uri, Set.copyOf(algs),
        j.duration("refresh_interval", Duration.ofMinutes(5), false),
        j.duration("min_refresh_interval", Duration.ofSeconds(30), false),
        j.duration("timeout", Duration.ofSeconds(2), false));
    j.finish();
    return c;
  }
}
