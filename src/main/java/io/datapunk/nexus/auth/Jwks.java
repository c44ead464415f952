package io.datapunk.nexus.auth;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a JWKS URL, cached: fetched at start and every {@code refresh_interval}, and again when a
 * token names an unknown {@code kid}, but at most once per {@code min_refresh_interval} (so a flood of
 * tokens with invented kids cannot turn the gateway into a JWKS hammer). A failed fetch keeps the keys
 * already known: while the JWKS endpoint is down, tokens signed by known keys still pass.
 */
final class Jwks {
  private static final Logger LOG = LoggerFactory.getLogger(Jwks.class);
  /** Largest JWKS document read. */
  static final int MAX_DOCUMENT = 1 << 20;
  private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  private final Vertx vertx;
  private final JwtConfig.JwksConfig config;
  private final HttpClientAgent client;
  private volatile Map<String, VerificationKey> byKid = Map.of();
  private volatile List<VerificationKey> all = List.of();
  private long lastAttemptNanos = Long.MIN_VALUE / 2;
  private Future<Boolean> inFlight;
  private long timerId = -1;

  Jwks(Vertx vertx, JwtConfig.JwksConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.client = vertx.httpClientBuilder().with(new HttpClientOptions()
        .setConnectTimeout((int) config.timeout().toMillis())
        .setSsl("https".equals(config.url().getScheme()))
        .setMaxHeaderSize(16 * 1024)).build();
  }

  /** Fetches the set now and then every refresh_interval. */
  void start() {
    refresh();
    timerId = vertx.setPeriodic(config.refreshInterval().toMillis(), t -> refresh());
  }

  void stop() {
    vertx.cancelTimer(timerId);
    client.close();
  }

  VerificationKey key(String kid) {
    return byKid.get(kid);
  }

  List<VerificationKey> keys() {
    return all;
  }

  /**
   * Fetches the set again because a token named an unknown kid, unless a fetch happened less than
   * min_refresh_interval ago; completes with whether a fetch was made (and succeeded).
   */
  synchronized Future<Boolean> refreshForUnknownKid() {
    if (inFlight != null) {
      return inFlight;
    }
    if (System.nanoTime() - lastAttemptNanos < config.minRefreshInterval().toNanos()) {
      return Future.succeededFuture(false);
    }
    return refresh();
  }

  private synchronized Future<Boolean> refresh() {
    if (inFlight != null) {
      return inFlight;
    }
    lastAttemptNanos = System.nanoTime();
    Promise<Boolean> done = Promise.promise();
    inFlight = done.future();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(config.url().toString())
        .setTimeout(config.timeout().toMillis()).putHeader("Accept", "application/json");
    client.request(options)
        .compose(req -> req.send())
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            resp.end();
            return Future.failedFuture("status " + resp.statusCode());
          }
          return resp.body();
        })
        .onComplete(ar -> {
          boolean ok = false;
          if (ar.succeeded() && ar.result().length() <= MAX_DOCUMENT) {
            try {
              install(JWKSet.parse(ar.result().toString()));
              ok = true;
            } catch (java.text.ParseException | RuntimeException e) {
              LOG.warn("JWKS from {} is not a valid key set; keeping the {} keys known", config.url(), all.size());
            }
          } else {
            LOG.warn("JWKS fetch from {} failed ({}); keeping the {} keys known", config.url(),
                ar.failed() ? ar.cause().getClass().getSimpleName() : "document too large", all.size());
          }
          synchronized (this) {
            inFlight = null;
          }
          done.complete(ok);
        });
    return done.future();
  }

  private void install(JWKSet set) {
    Map<String, VerificationKey> kids = new HashMap<>();
    List<VerificationKey> keys = new ArrayList<>();
    for (JWK jwk : set.getKeys()) {
      if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
        continue;
      }
      PublicKey pk = publicKey(jwk);
      if (pk == null) {
        continue;
      }
      KeyMaterial material = KeyMaterial.of(pk);
      Set<String> algs = new TreeSet<>();
      for (String a : config.algorithms()) {
        if (material.fits(a) && (jwk.getAlgorithm() == null || jwk.getAlgorithm().getName().equals(a))) {
          algs.add(a);
        }
      }
      if (algs.isEmpty()) {
        continue;
      }
      VerificationKey key = new VerificationKey(jwk.getKeyID(), Set.copyOf(algs), material.verifier());
      keys.add(key);
      if (jwk.getKeyID() != null) {
        kids.put(jwk.getKeyID(), key);
      }
    }
    byKid = Map.copyOf(kids);
    all = List.copyOf(keys);
    LOG.info("JWKS from {}: {} signing keys", config.url(), keys.size());
  }

  private static PublicKey publicKey(JWK jwk) {
    try {
      if (jwk instanceof RSAKey rsa) {
        return rsa.toRSAPublicKey();
      }
      if (jwk instanceof ECKey ec) {
        return ec.toECPublicKey();
      }
      if (jwk instanceof OctetKeyPair okp && "Ed25519".equals(okp.getCurve().getName())) {
        byte[] x = okp.getX().decode();
        byte[] der = new byte[ED25519_SPKI_PREFIX.length + x.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, der, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(x, 0, der, ED25519_SPKI_PREFIX.length, x.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
      }
    } catch (Exception e) {
      // a key we cannot use is skipped
    }
    return null;
  }
}
