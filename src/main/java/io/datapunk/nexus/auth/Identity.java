package io.datapunk.nexus.auth;

import java.util.Set;

/**
 * A verified caller: who it is and what it may do. Built only from a verified JWT or a stored API key,
 * never from anything else the client sent. The header values sent upstream are made once here, so a
 * cached identity costs no work per request.
 */
public final class Identity {
  private final String method;
  private final String subject;
  private final String clientId;
  private final Set<String> scopes;
  private final Set<String> roles;
  private final long expiresAtMillis;
  final String scopesHeader;
  final String rolesHeader;

  /**
   * @param method {@code jwt} or {@code api_key}
   * @param subject the JWT {@code sub}, or the API key's owner
   * @param clientId the JWT client id claim (or {@code sub}), or the API key id
   * @param scopes granted scopes
   * @param roles granted roles (JWT only)
   * @param expiresAtMillis when the credential stops being valid (epoch millis; Long.MAX_VALUE for never)
   */
  public Identity(String method, String subject, String clientId, Set<String> scopes, Set<String> roles,
                  long expiresAtMillis) {
    this.method = method;
    this.subject = subject;
    this.clientId = clientId;
    this.scopes = scopes;
    this.roles = roles;
    this.expiresAtMillis = expiresAtMillis;
    this.scopesHeader = String.join(" ", scopes);
    this.rolesHeader = String.join(" ", roles);
  }

  public String method() {
    return method;
  }

  public String subject() {
    return subject;
  }

  public String clientId() {
    return clientId;
  }

  public Set<String> scopes() {
    return scopes;
  }

  public Set<String> roles() {
    return roles;
  }

  public long expiresAtMillis() {
    return expiresAtMillis;
  }

  /** Whether every one of {@code required} is granted. */
  public boolean hasAllScopes(Set<String> required) {
    return required.isEmpty() || scopes.containsAll(required);
  }

  /** Whether at least one of {@code required} is granted (true when none is required). */
  public boolean hasAnyRole(Set<String> required) {
    if (required.isEmpty()) {
      return true;
    }
    for (String r : required) {
      if (roles.contains(r)) {
        return true;
      }
    }
    return false;
  }
}
