package io.datapunk.nexus.admin;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where capabilities plug their admin endpoints in. The admin API defines every endpoint (paths,
 * OpenAPI document, token check, audit); an endpoint whose capability has not registered a handler
 * answers 501 {@code not_implemented} in the error format.
 */
public final class AdminHooks {
  /** The admin endpoints owned by other capabilities, with the operations each handler receives. */
  public enum Capability {
    /** {@code POST /admin/breakers/{service}/open|close}: operations {@code breaker.open}, {@code breaker.close}. */
    BREAKERS("Manual breaker control", "the resilience capability"),
    /** {@code POST /admin/cache/purge}: operation {@code cache.purge}, body {@code {"key"|"prefix"|"route"|"tag": ...}}. */
    CACHE_PURGE("Cache purge", "the cache capability"),
    /**
     * {@code GET/POST /admin/api-keys}, {@code POST /admin/api-keys/{id}/rotate},
     * {@code DELETE /admin/api-keys/{id}}: operations {@code api_keys.list}, {@code api_keys.create},
     * {@code api_keys.rotate}, {@code api_keys.revoke}.
     */
    API_KEYS("API key management", "the edge security capability"),
    /** {@code POST /admin/config/reload}: operation {@code config.reload}. */
    CONFIG_RELOAD("Config reload", "the hot reload capability");

    private final String what;
    private final String owner;

    Capability(String what, String owner) {
      this.what = what;
      this.owner = owner;
    }

    String notImplemented() {
      return what + " is provided by " + owner + ", which is not part of this build.";
    }
  }

  /** Answers one admin call; must end it with {@link AdminCall#reply} or {@link AdminCall#fail}, now or later. */
  @FunctionalInterface
  public interface Handler {
    void handle(AdminCall call);
  }

  private final Map<Capability, Handler> handlers = new ConcurrentHashMap<>();

  /** Registers (or replaces) the handler of a capability's endpoints. */
  public void register(Capability capability, Handler handler) {
    handlers.put(capability, handler);
  }

  Handler handler(Capability capability) {
    return handlers.get(capability);
  }
}
