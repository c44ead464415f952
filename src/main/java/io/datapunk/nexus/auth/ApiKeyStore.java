package io.datapunk.nexus.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The service API keys. A key is {@code nxk_<id>_<secret>} (the id is public, the secret 256 random
 * bits); only its SHA-256 is stored, so neither the file nor memory holds a key in clear, and a fast
 * hash is enough for keys of that entropy. A presented key is looked up by its hash and the hashes
 * are compared in constant time.
 *
 * <p>Each key id has an owner, scopes and an optional expiry, and one or more secrets: rotation adds
 * a new secret and gives the old one an end ({@code not_after}), so both work during the overlap.
 * Revocation removes the id with all its secrets. Reads use an immutable snapshot swapped on every
 * change (no lock on the request path); changes are serialized and written to the file atomically.
 */
public final class ApiKeyStore {
  static final String PREFIX = "nxk_";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  /**
   * One key id.
   *
   * @param id public key id
   * @param owner the service that holds it
   * @param scopes scopes it grants
   * @param createdAtMillis creation time
   * @param expiresAtMillis expiry (epoch millis), or 0 for none
   * @param secrets the hashes of its valid secrets, newest last
   */
  public record KeyRecord(String id, String owner, Set<String> scopes, long createdAtMillis, long expiresAtMillis,
                          List<Secret> secrets) {}

  /**
   * One secret of a key.
   *
   * @param sha256 hex SHA-256 of the whole key text
   * @param notAfterMillis end of the rotation overlap, or 0 while it is the current secret
   */
  public record Secret(String sha256, long notAfterMillis) {}

  /** A key just made: the only time its text exists outside the client. */
  public record Issued(String key, KeyRecord record) {}

  private record Snapshot(Map<String, KeyRecord> byId, Map<String, KeyRecord> byHash, Map<String, Identity> identities) {}

  private final Path file;
  private final LongSupplier clock;
  private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());
  private long fileModified = -1;

  public ApiKeyStore(Path file, LongSupplier clock) {
    this.file = file;
    this.clock = clock;
  }

  /** The identity of a presented key, or null when it is unknown, revoked, expired or past its overlap. */
  public Identity authenticate(String presented) {
    if (presented == null || presented.length() > 200 || !presented.startsWith(PREFIX)) {
      return null;
    }
    String hash = sha256(presented);
    Snapshot s = snapshot;
    KeyRecord rec = s.byHash.get(hash);
    if (rec == null) {
      return null;
    }
    long now = clock.getAsLong();
    if (rec.expiresAtMillis() != 0 && now >= rec.expiresAtMillis()) {
      return null;
    }
    byte[] presentedHash = HEX.parseHex(hash);
    for (Secret secret : rec.secrets()) {
      if (MessageDigest.isEqual(HEX.parseHex(secret.sha256()), presentedHash)) {
        if (secret.notAfterMillis() != 0 && now >= secret.notAfterMillis()) {
          return null;
        }
        return s.identities.get(rec.id());
      }
    }
    return null;
  }

  public List<KeyRecord> list() {
    return List.copyOf(snapshot.byId.values());
  }

  public KeyRecord get(String id) {
    return snapshot.byId.get(id);
  }

  /** Makes a key for {@code owner}; {@code expiresAtMillis} 0 means it does not expire. */
  public synchronized Issued add(String owner, Set<String> scopes, long expiresAtMillis) throws IOException {
    reloadIfChanged();
    String id = randomId();
    String key = newKey(id);
    KeyRecord rec = new KeyRecord(id, owner, Set.copyOf(scopes), clock.getAsLong(), expiresAtMillis,
        List.of(new Secret(sha256(key), 0)));
    Map<String, KeyRecord> byId = new LinkedHashMap<>(snapshot.byId);
    byId.put(id, rec);
    commit(byId);
    return new Issued(key, rec);
  }

  /**
   * Gives key {@code id} a new secret; its current secrets keep working for {@code overlapMillis} more
   * (0: they stop at once). Returns null when there is no such key.
   */
  public synchronized Issued rotate(String id, long overlapMillis) throws IOException {
    reloadIfChanged();
    KeyRecord old = snapshot.byId.get(id);
    if (old == null) {
      return null;
    }
    long now = clock.getAsLong();
    List<Secret> secrets = new ArrayList<>();
    for (Secret s : old.secrets()) {
      long end = s.notAfterMillis() == 0 ? now + overlapMillis : Math.min(s.notAfterMillis(), now + overlapMillis);
      if (end > now) {
        secrets.add(new Secret(s.sha256(), end));
      }
    }
    String key = newKey(id);
    secrets.add(new Secret(sha256(key), 0));
    KeyRecord rec = new KeyRecord(id, old.owner(), old.scopes(), old.createdAtMillis(), old.expiresAtMillis(),
        List.copyOf(secrets));
    Map<String, KeyRecord> byId = new LinkedHashMap<>(snapshot.byId);
    byId.put(id, rec);
    commit(byId);
    return new Issued(key, rec);
  }

  /** Removes key {@code id} and all its secrets; false when there was none. */
  public synchronized boolean revoke(String id) throws IOException {
    reloadIfChanged();
    if (!snapshot.byId.containsKey(id)) {
      return false;
    }
    Map<String, KeyRecord> byId = new LinkedHashMap<>(snapshot.byId);
    byId.remove(id);
    commit(byId);
    return true;
  }

  /** Reads the file when it changed since it was last read or written (another instance, an operator). */
  public synchronized void reloadIfChanged() throws IOException {
    if (file == null || !Files.exists(file)) {
      return;
    }
    long modified = Files.getLastModifiedTime(file).toMillis();
    if (modified == fileModified) {
      return;
    }
    Map<String, KeyRecord> byId = parse(Files.readString(file, StandardCharsets.UTF_8));
    fileModified = modified;
    install(byId);
  }

  private void commit(Map<String, KeyRecord> byId) throws IOException {
    dropPassedSecrets(byId);
    if (file != null) {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".api-keys", ".tmp");
      Files.writeString(tmp, render(byId), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      fileModified = Files.getLastModifiedTime(file).toMillis();
    }
    install(byId);
  }

  private void dropPassedSecrets(Map<String, KeyRecord> byId) {
    long now = clock.getAsLong();
    byId.replaceAll((id, rec) -> {
      List<Secret> keep = new ArrayList<>();
      for (Secret s : rec.secrets()) {
        if (s.notAfterMillis() == 0 || s.notAfterMillis() > now) {
          keep.add(s);
        }
      }
      return keep.size() == rec.secrets().size() ? rec
          : new KeyRecord(rec.id(), rec.owner(), rec.scopes(), rec.createdAtMillis(), rec.expiresAtMillis(), List.copyOf(keep));
    });
  }

  private void install(Map<String, KeyRecord> byId) {
    Map<String, KeyRecord> byHash = new HashMap<>();
    Map<String, Identity> identities = new HashMap<>();
    for (KeyRecord rec : byId.values()) {
      for (Secret s : rec.secrets()) {
        byHash.put(s.sha256(), rec);
      }
      long until = rec.expiresAtMillis() == 0 ? Long.MAX_VALUE : rec.expiresAtMillis();
      identities.put(rec.id(), new Identity("api_key", rec.owner(), rec.id(), rec.scopes(), Set.of(), until));
    }
    snapshot = new Snapshot(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byId)), Map.copyOf(byHash),
        Map.copyOf(identities));
  }

  static String render(Map<String, KeyRecord> byId) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode keys = root.putArray("keys");
    for (KeyRecord rec : byId.values()) {
      ObjectNode k = keys.addObject();
      k.put("id", rec.id()).put("owner", rec.owner());
      ArrayNode scopes = k.putArray("scopes");
      rec.scopes().forEach(scopes::add);
      k.put("created_at", Instant.ofEpochMilli(rec.createdAtMillis()).toString());
      k.put("expires_at", rec.expiresAtMillis() == 0 ? null : Instant.ofEpochMilli(rec.expiresAtMillis()).toString());
      ArrayNode secrets = k.putArray("secrets");
      for (Secret s : rec.secrets()) {
        secrets.addObject().put("sha256", s.sha256())
            .put("not_after", s.notAfterMillis() == 0 ? null : Instant.ofEpochMilli(s.notAfterMillis()).toString());
      }
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  static Map<String, KeyRecord> parse(String text) throws IOException {
    JsonNode root = JSON.readTree(text);
    Map<String, KeyRecord> out = new LinkedHashMap<>();
    for (JsonNode k : root.path("keys")) {
      List<String> scopes = new ArrayList<>();
      k.path("scopes").forEach(n -> scopes.add(n.asText()));
      List<Secret> secrets = new ArrayList<>();
      for (JsonNode s : k.path("secrets")) {
        String hash = s.path("sha256").asText();
        if (hash.length() == 64) {
          secrets.add(new Secret(hash.toLowerCase(java.util.Locale.ROOT), time(s.path("not_after"))));
        }
      }
      String id = k.path("id").asText();
      out.put(id, new KeyRecord(id, k.path("owner").asText(), Set.copyOf(scopes), time(k.path("created_at")),
          time(k.path("expires_at")), List.copyOf(secrets)));
    }
    return out;
  }

  private static long time(JsonNode n) {
    return n.isMissingNode() || n.isNull() ? 0 : Instant.parse(n.asText()).toEpochMilli();
  }

  private static String randomId() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    return HEX.formatHex(b);
  }

  private static String newKey(String id) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  static String sha256(String text) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
