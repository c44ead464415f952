package io.datapunk.nexus.auth;

import io.datapunk.nexus.config.ConfigSection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A route's authentication policy ({@code service_routes.NAME.auth:}).
 *
 * @param mode {@code none} (default), {@code jwt}, {@code api_key} or {@code jwt_or_api_key}
 * @param scopes scopes the caller must all hold (403 otherwise)
 * @param roles roles of which the caller must hold at least one (403 otherwise; JWT {@code roles} claim)
 * @param forwardAuthorization pass the client's {@code Authorization} header on to the service after a
 *     JWT was verified (default false: the service gets the verified identity headers, not the
 *     token, as Envoy's jwt_authn does by default)
 */
public record AuthPolicy(Mode mode, Set<String> scopes, Set<String> roles, boolean forwardAuthorization) {
  public static final AuthPolicy NONE = new AuthPolicy(Mode.NONE, Set.of(), Set.of(), false);

  /** Which credentials a route accepts. */
  public enum Mode {
    NONE("none"), JWT("jwt"), API_KEY("api_key"), JWT_OR_API_KEY("jwt_or_api_key");

    final String word;

    Mode(String word) {
      this.word = word;
    }

    public boolean acceptsJwt() {
      return this == JWT || this == JWT_OR_API_KEY;
    }

    public boolean acceptsApiKey() {
      return this == API_KEY || this == JWT_OR_API_KEY;
    }
  }

  public static AuthPolicy read(ConfigSection s) {
    String word = s.oneOf("policy", "none", "none", "jwt", "api_key", "jwt_or_api_key");
    Mode mode = Mode.NONE;
    for (Mode m : Mode.values()) {
      if (m.word.equals(word)) {
        mode = m;
      }
    }
    Set<String> scopes = new LinkedHashSet<>(s.stringList("scopes"));
    Set<String> roles = new LinkedHashSet<>(s.stringList("roles"));
    boolean forward = s.bool("forward_authorization", false);
    if (mode == Mode.NONE && (!scopes.isEmpty() || !roles.isEmpty())) {
      s.error("policy", "none", "jwt, api_key or jwt_or_api_key when scopes or roles are required");
    }
    s.finish();
    return new AuthPolicy(mode, Set.copyOf(scopes), Set.copyOf(roles), forward);
  }
}
