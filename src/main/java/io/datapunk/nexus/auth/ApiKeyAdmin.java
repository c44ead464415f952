package io.datapunk.nexus.auth;

import io.datapunk.nexus.admin.AdminCall;
import io.datapunk.nexus.admin.AdminHooks;
import io.datapunk.nexus.config.Units;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The API key endpoints of the admin API (the admin API checks the token and routes the paths here):
 *
 * <ul>
 *   <li>{@code GET /admin/api-keys} ({@code api_keys.list}): ids, owners, scopes, expiry (never hashes
 *       or keys);
 *   <li>{@code POST /admin/api-keys} {@code {"owner": "...", "scopes": [...], "expires_in": "90d"}}
 *       ({@code api_keys.create}): a new key, shown once in the answer;
 *   <li>{@code POST /admin/api-keys/ID/rotate} {@code {"overlap": "1h"}} ({@code api_keys.rotate}): a new
 *       secret; the old one works until the overlap ends (default
 *       {@code security.api_keys.default_overlap});
 *   <li>{@code DELETE /admin/api-keys/ID} ({@code api_keys.revoke}): revokes the key (all its secrets).
 * </ul>
 *
 * Changes take effect on the next request, without restart, are written to the key store file, and
 * are audited ({@code api_key_added}, {@code api_key_rotated}, {@code api_key_revoked}, by key id).
 */
public final class ApiKeyAdmin implements AdminHooks.Handler {
  private final Vertx vertx;
  private final EdgeAuth auth;

  public ApiKeyAdmin(Vertx vertx, EdgeAuth auth) {
    this.vertx = vertx;
    this.auth = auth;
  }

  @Override
  public void handle(AdminCall call) {
    switch (call.operation()) {
      case "api_keys.list" -> {
        JsonArray keys = new JsonArray();
        for (ApiKeyStore.KeyRecord rec : auth.apiKeys().list()) {
          keys.add(describe(rec));
        }
        call.reply(200, new JsonObject().put("keys", keys));
      }
      case "api_keys.create" -> add(call);
      case "api_keys.rotate" -> rotate(call);
      case "api_keys.revoke" -> {
        String id = call.target();
        blocking(call, () -> auth.apiKeys().revoke(id), revoked -> {
          if (revoked) {
            audit(call, "api_key_revoked", id, null);
            call.reply(200, new JsonObject().put("revoked", id));
          } else {
            call.fail(GatewayError.NOT_FOUND, "No API key has this id.");
          }
        });
      }
      default -> call.fail(GatewayError.NOT_FOUND, "No such API key operation.");
    }
  }

  private void add(AdminCall call) {
    JsonObject body = call.body();
    String owner = body.getValue("owner") instanceof String s ? s.trim() : "";
    if (owner.isEmpty() || owner.length() > 128 || !JwtVerifier.printable(owner, false)) {
      call.fail(GatewayError.VALIDATION, "owner: a name of printable characters without spaces is required.");
      return;
    }
    Set<String> scopes = new LinkedHashSet<>();
    Object raw = body.getValue("scopes");
    if (raw instanceof JsonArray list) {
      for (Object o : list) {
        if (!(o instanceof String s) || s.isEmpty() || !JwtVerifier.printable(s, false)) {
          call.fail(GatewayError.VALIDATION, "scopes: a list of words is expected.");
          return;
        }
        scopes.add(s);
      }
    } else if (raw != null) {
      call.fail(GatewayError.VALIDATION, "scopes: a list of words is expected.");
      return;
    }
    long expiresAt = 0;
    if (body.getValue("expires_in") != null) {
      Duration d = duration(String.valueOf(body.getValue("expires_in")));
      if (d == null || d.isZero()) {
        call.fail(GatewayError.VALIDATION, "expires_in: a duration such as 90d, 12h or 30m is expected.");
        return;
      }
      expiresAt = System.currentTimeMillis() + d.toMillis();
    }
    long until = expiresAt;
    blocking(call, () -> auth.apiKeys().add(owner, scopes, until), issued -> {
      audit(call, "api_key_added", issued.record().id(), owner);
      call.reply(201, describe(issued.record()).put("key", issued.key()));
    });
  }

  private void rotate(AdminCall call) {
    String id = call.target();
    Duration overlap = auth.apiKeysConfig().defaultOverlap();
    if (call.body().getValue("overlap") != null) {
      overlap = duration(String.valueOf(call.body().getValue("overlap")));
      if (overlap == null) {
        call.fail(GatewayError.VALIDATION, "overlap: a duration such as 24h, 30m or 0 is expected.");
        return;
      }
    }
    long overlapMillis = overlap.toMillis();
    blocking(call, () -> auth.apiKeys().rotate(id, overlapMillis), issued -> {
      if (issued == null) {
        call.fail(GatewayError.NOT_FOUND, "No API key has this id.");
        return;
      }
      audit(call, "api_key_rotated", id, issued.record().owner());
      call.reply(200, describe(issued.record()).put("key", issued.key())
          .put("previous_valid_until", Instant.ofEpochMilli(System.currentTimeMillis() + overlapMillis).toString()));
    });
  }

  private void audit(AdminCall call, String event, String keyId, String owner) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put("key_id", keyId);
    if (owner != null) {
      details.put("owner", owner);
    }
    auth.audit().event(event, call.client(), call.requestId(), details);
  }

  static JsonObject describe(ApiKeyStore.KeyRecord rec) {
    long rotationEnd = 0;
    for (ApiKeyStore.Secret s : rec.secrets()) {
      rotationEnd = Math.max(rotationEnd, s.notAfterMillis());
    }
    return new JsonObject().put("id", rec.id()).put("owner", rec.owner())
        .put("scopes", new JsonArray(rec.scopes().stream().sorted().toList()))
        .put("created_at", Instant.ofEpochMilli(rec.createdAtMillis()).toString())
        .put("expires_at", rec.expiresAtMillis() == 0 ? null : Instant.ofEpochMilli(rec.expiresAtMillis()).toString())
        .put("secrets", rec.secrets().size())
        .put("rotation_ends_at", rotationEnd == 0 ? null : Instant.ofEpochMilli(rotationEnd).toString());
  }

  /** A duration in the config notation, plus days ({@code 90d}). */
  static Duration duration(String text) {
    String t = text.trim();
    if (t.endsWith("d")) {
      try {
        return Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1).trim()));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return Units.duration(t);
  }

  private interface Blocking<T> {
    T run() throws Exception;
  }

  /** Store changes write a file: off the event loop, one at a time. */
  private <T> void blocking(AdminCall call, Blocking<T> work, java.util.function.Consumer<T> then) {
    vertx.executeBlocking(work::run, true).onComplete(ar -> {
      if (ar.failed()) {
        call.fail(GatewayError.INTERNAL, "The key store could not be changed.");
      } else {
        then.accept(ar.result());
      }
    });
  }
}
