package io.datapunk.nexus.auth;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

/**
 * The AUTHENTICATION stage of a route. On every route it first removes the identity headers a client
 * may have sent (so a service can trust them), and the API key header (keys never travel further).
 * Then, by the route's {@link AuthPolicy}:
 *
 * <ul>
 *   <li>no valid credential: 401 with {@code WWW-Authenticate: Bearer} (plus
 *       {@code error="invalid_token"} when one was presented), the same body whatever was wrong;
 *   <li>valid but missing a required scope or role: 403;
 *   <li>otherwise the verified identity goes upstream in {@code X-Auth-Method}, {@code X-Auth-Subject},
 *       {@code X-Auth-Client-Id}, {@code X-Auth-Scopes} and {@code X-Auth-Roles}; the bearer token
 *       itself only with {@code auth.forward_authorization: true}.
 * </ul>
 */
public final class AuthFilter implements Filter {
  public static final CharSequence METHOD = HttpHeaders.createOptimized("X-Auth-Method");
  public static final CharSequence SUBJECT = HttpHeaders.createOptimized("X-Auth-Subject");
  public static final CharSequence CLIENT_ID = HttpHeaders.createOptimized("X-Auth-Client-Id");
  public static final CharSequence SCOPES = HttpHeaders.createOptimized("X-Auth-Scopes");
  public static final CharSequence ROLES = HttpHeaders.createOptimized("X-Auth-Roles");
  private static final CharSequence[] IDENTITY_HEADERS = {METHOD, SUBJECT, CLIENT_ID, SCOPES, ROLES};
  private static final CharSequence WWW_AUTHENTICATE = HttpHeaders.createOptimized("WWW-Authenticate");
  static final String CHALLENGE = "Bearer realm=\"nexus\"";
  static final String CHALLENGE_INVALID = "Bearer realm=\"nexus\", error=\"invalid_token\"";
  static final String UNAUTHORIZED = "Valid credentials are required for this route.";
  static final String FORBIDDEN = "These credentials do not allow this route.";

  private final String route;
  private final AuthPolicy policy;
  private final JwtVerifier jwt;
  private final ApiKeyStore apiKeys;
  private final CharSequence apiKeyHeader;

  AuthFilter(String route, AuthPolicy policy, JwtVerifier jwt, ApiKeyStore apiKeys, String apiKeyHeader) {
    this.route = route;
    this.policy = policy;
    this.jwt = jwt;
    this.apiKeys = apiKeys;
    this.apiKeyHeader = HttpHeaders.createOptimized(apiKeyHeader);
  }

  @Override
  public void onRequest(Exchange exchange) {
    MultiMap headers = exchange.request().headers();
    for (CharSequence name : IDENTITY_HEADERS) {
      headers.remove(name);
    }
    String key = headers.get(apiKeyHeader);
    if (key != null) {
      headers.remove(apiKeyHeader);
    }
    AuthPolicy.Mode mode = policy.mode();
    if (mode == AuthPolicy.Mode.NONE) {
      exchange.proceed();
      return;
    }
    String authorization = headers.get(HttpHeaders.AUTHORIZATION);
    if (mode.acceptsJwt() && authorization != null) {
      if (!policy.forwardAuthorization()) {
        headers.remove(HttpHeaders.AUTHORIZATION);
      }
      Identity known = jwt.verifyAuthorization(authorization);
      if (known != JwtVerifier.UNKNOWN_KID) {
        // The common case (a cached or verifiable token): decided without leaving this call.
        if (known == null) {
          unauthorized(exchange, true, "invalid jwt");
        } else {
          admit(exchange, known);
        }
        return;
      }
      jwt.verify(bearer(authorization)).onComplete(ar -> {
        Identity id = ar.succeeded() ? ar.result() : null;
        if (id == null) {
          unauthorized(exchange, true, "invalid jwt");
        } else {
          admit(exchange, id);
        }
      });
      return;
    }
    if (mode.acceptsApiKey() && key != null) {
      Identity id = apiKeys.authenticate(key);
      if (id == null) {
        unauthorized(exchange, true, "invalid api key");
      } else {
        admit(exchange, id);
      }
      return;
    }
    unauthorized(exchange, false, "no credentials");
  }

  private void admit(Exchange exchange, Identity id) {
    if (!id.hasAllScopes(policy.scopes()) || !id.hasAnyRole(policy.roles())) {
      exchange.fail(GatewayError.FORBIDDEN, FORBIDDEN);
      return;
    }
    // The client's copies were removed in onRequest: add, no need to replace.
    MultiMap headers = exchange.request().headers();
    headers.add(METHOD, id.method());
    headers.add(SUBJECT, id.subject());
    headers.add(CLIENT_ID, id.clientId());
    if (!id.scopes().isEmpty()) {
      headers.add(SCOPES, id.scopesHeader);
    }
    if (!id.roles().isEmpty()) {
      headers.add(ROLES, id.rolesHeader);
    }
    exchange.clientId(id.clientId());
    exchange.proceed();
  }

  private void unauthorized(Exchange exchange, boolean presented, String why) {
    exchange.errorHeaders().set(WWW_AUTHENTICATE, presented ? CHALLENGE_INVALID : CHALLENGE);
    exchange.fail(GatewayError.AUTH, UNAUTHORIZED);
  }

  /** The token of a {@code Bearer} authorization (scheme case-insensitive), or null. */
  static String bearer(String authorization) {
    if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
