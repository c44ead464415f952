package io.datapunk.nexus.auth;

import io.datapunk.nexus.observability.AuditLog;
import io.datapunk.nexus.config.NexusConfig;
import io.datapunk.nexus.config.RouteConfig;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.RouteFilterFactory;
import io.datapunk.nexus.pipeline.Stage;
import io.vertx.core.Vertx;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authentication runtime of one gateway: the JWT verifier (with its JWKS cache), the API key
 * store (reloaded from its file when another instance changed it), and the factory of the
 * AUTHENTICATION filter, which every route gets (routes with policy {@code none} still have forged
 * identity headers removed).
 */
public final class EdgeAuth implements RouteFilterFactory {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeAuth.class);

  private final Vertx vertx;
  private final JwtVerifier jwt;
  private final ApiKeyStore apiKeys;
  private final ApiKeysConfig apiKeysConfig;
  private final AuditLog audit;
  private long reloadTimer = -1;

  private EdgeAuth(Vertx vertx, JwtVerifier jwt, ApiKeyStore apiKeys, ApiKeysConfig apiKeysConfig, AuditLog audit) {
    this.vertx = vertx;
    this.jwt = jwt;
    this.apiKeys = apiKeys;
    this.apiKeysConfig = apiKeysConfig;
    this.audit = audit;
  }

  public static EdgeAuth start(Vertx vertx, NexusConfig config, AuditLog audit) {
    JwtVerifier jwt = config.security().jwt().enabled() ? JwtVerifier.start(vertx, config.security().jwt()) : null;
    ApiKeysConfig keysConfig = config.security().apiKeys();
    ApiKeyStore store = new ApiKeyStore(keysConfig.file(), System::currentTimeMillis);
    try {
      store.reloadIfChanged();
    } catch (IOException | RuntimeException e) {
      LOG.error("API key store {} cannot be read ({}): no API key is accepted until it can", keysConfig.file(),
          e.getClass().getSimpleName());
    }
    EdgeAuth auth = new EdgeAuth(vertx, jwt, store, keysConfig, audit);
    if (keysConfig.file() != null) {
      auth.reloadTimer = vertx.setPeriodic(keysConfig.reloadInterval().toMillis(), t ->
          vertx.executeBlocking(() -> {
            store.reloadIfChanged();
            return null;
          }, false).onFailure(e -> LOG.warn("API key store {} cannot be read ({}); keeping the keys known",
              keysConfig.file(), e.getClass().getSimpleName())));
    }
    return auth;
  }

  public ApiKeyStore apiKeys() {
    return apiKeys;
  }

  public ApiKeysConfig apiKeysConfig() {
    return apiKeysConfig;
  }

  public AuditLog audit() {
    return audit;
  }

  public void stop() {
    vertx.cancelTimer(reloadTimer);
    if (jwt != null) {
      jwt.stop();
    }
  }

  @Override
  public Stage stage() {
    return Stage.AUTHENTICATION;
  }

  @Override
  public Filter create(RouteConfig route, NexusConfig config) {
    return new AuthFilter(route.name(), route.security().auth(), jwt, apiKeys, apiKeysConfig.header());
  }
}
