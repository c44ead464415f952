package io.datapunk.nexus.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The API key store with a hand-moved clock: expiry and rotation overlap at their exact edges. */
class ApiKeyStoreTest {
  private long now = 1_000_000;

  @Test
  void aKeyExpiresExactlyAtItsExpiry() throws Exception {
    ApiKeyStore store = new ApiKeyStore(null, () -> now);
    ApiKeyStore.Issued k = store.add("lake", Set.of("read"), now + 1000);
    now += 999;
    assertThat(store.authenticate(k.key())).isNotNull();
    now += 1;
    assertThat(store.authenticate(k.key())).isNull();
  }

  @Test
  void theOldSecretWorksUntilTheOverlapEndsThenOnlyTheNewOne() throws Exception {
    ApiKeyStore store = new ApiKeyStore(null, () -> now);
    ApiKeyStore.Issued first = store.add("lake", Set.of("read"), 0);
    ApiKeyStore.Issued second = store.rotate(first.record().id(), 500);
    assertThat(second.record().id()).isEqualTo(first.record().id());
    now += 499;
    assertThat(store.authenticate(first.key())).isNotNull();
    assertThat(store.authenticate(second.key())).isNotNull();
    now += 1;
    assertThat(store.authenticate(first.key())).isNull();
    Identity id = store.authenticate(second.key());
    assertThat(id.subject()).isEqualTo("lake");
    assertThat(id.clientId()).isEqualTo(first.record().id());
    assertThat(id.scopes()).containsExactly("read");
    assertThat(store.revoke(first.record().id())).isTrue();
    assertThat(store.authenticate(second.key())).isNull();
    assertThat(store.revoke(first.record().id())).isFalse();
  }

  @Test
  void aRotationWithoutOverlapEndsTheOldSecretAtOnce() throws Exception {
    ApiKeyStore store = new ApiKeyStore(null, () -> now);
    ApiKeyStore.Issued first = store.add("forge", Set.of(), 0);
    ApiKeyStore.Issued second = store.rotate(first.record().id(), 0);
    assertThat(store.authenticate(first.key())).isNull();
    assertThat(store.authenticate(second.key())).isNotNull();
  }

  @Test
  void theFileHoldsHashesOnlyAndIsReadBackByAnotherStore() throws Exception {
    Path file = Files.createTempDirectory("nexus-keys").resolve("keys.json");
    ApiKeyStore store = new ApiKeyStore(file, () -> now);
    ApiKeyStore.Issued k = store.add("stream", Set.of("a", "b"), 0);
    String text = Files.readString(file);
    assertThat(text).contains(k.record().id()).contains(ApiKeyStore.sha256(k.key()))
        // The whole secret (what follows nxk_<id>_; base64url, so it may itself contain '_').
        .doesNotContain(k.key().substring((ApiKeyStore.PREFIX + k.record().id() + "_").length()));
    ApiKeyStore other = new ApiKeyStore(file, () -> now);
    other.reloadIfChanged();
    assertThat(other.authenticate(k.key())).isNotNull();
    assertThat(other.authenticate(k.key() + "x")).isNull();
    assertThat(other.authenticate("not-a-key")).isNull();
  }
}
