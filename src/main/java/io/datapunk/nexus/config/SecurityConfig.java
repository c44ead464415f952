package io.datapunk.nexus.config;

import io.datapunk.nexus.auth.ApiKeysConfig;
import io.datapunk.nexus.auth.JwtConfig;
import io.datapunk.nexus.sanitize.ResponseSecurityConfig;
import io.datapunk.nexus.tls.TlsSettings;
import io.datapunk.nexus.validation.LimitsConfig;
import java.util.List;

/**
 * The gateway-wide edge security ({@code security:}); per-route settings are in {@link RouteSecurity}.
 *
 * @param limits {@code security.limits}: header count and body size
 * @param jwt {@code security.jwt}: issuer, audience, keys and JWKS for bearer tokens
 * @param apiKeys {@code security.api_keys}: the service API key store
 * @param response {@code security.response}: headers removed from and added to proxied responses
 * @param tls {@code security.tls}: certificate reload interval and the CAs trusted for https services
 * @param trustedProxies {@code security.trusted_proxies}: addresses or CIDRs whose X-Forwarded-For is
 *     believed when finding the client address (default: none, the socket address is the client)
 */
public record SecurityConfig(LimitsConfig limits, JwtConfig jwt, ApiKeysConfig apiKeys,
                             ResponseSecurityConfig response, TlsSettings tls, List<String> trustedProxies) {
  /** No security section: the defaults of each part (no JWT, in-memory API keys, no trusted proxy). */
  public static final SecurityConfig DEFAULTS = new SecurityConfig(LimitsConfig.DEFAULTS, JwtConfig.NONE,
      ApiKeysConfig.DEFAULTS, ResponseSecurityConfig.DEFAULTS, TlsSettings.DEFAULTS, List.of());

  static SecurityConfig read(ConfigSection s) {
    LimitsConfig limits = LimitsConfig.read(s.section("limits"));
    JwtConfig jwt = JwtConfig.read(s.section("jwt"));
    ApiKeysConfig apiKeys = ApiKeysConfig.read(s.section("api_keys"));
    ResponseSecurityConfig response = ResponseSecurityConfig.read(s.section("response"));
    TlsSettings tls = TlsSettings.read(s.section("tls"));
    List<String> proxies = s.stringList("trusted_proxies");
    for (String p : proxies) {
      try {
        new io.datapunk.nexus.ratelimit.TrustedProxies(List.of(p));
      } catch (RuntimeException e) {
        s.error("trusted_proxies", p, "an IP address or CIDR such as 10.0.0.0/8");
      }
    }
    s.finish();
    return new SecurityConfig(limits, jwt, apiKeys, response, tls, List.copyOf(proxies));
  }

  /** Rules across sections: a route that accepts JWTs needs {@code security.jwt}. */
  void check(List<RouteConfig> routes, List<String> errors) {
    for (RouteConfig r : routes) {
      if (r.security().auth().mode().acceptsJwt() && !jwt.enabled()) {
        errors.add("service_routes." + r.name() + ".auth.policy: " + r.security().auth().mode().name().toLowerCase(
            java.util.Locale.ROOT) + " (expected: a security.jwt section with issuer, audience and keys or jwks)");
      }
    }
  }
}
