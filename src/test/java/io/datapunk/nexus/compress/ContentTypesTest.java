package io.datapunk.nexus.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapunk.nexus.config.CompressionConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContentTypesTest {
  private final ContentTypes defaults = new ContentTypes(CompressionConfig.DEFAULT_CONTENT_TYPES);

  @Test
  void textualTypesMatchWithOrWithoutParameters() {
    assertThat(defaults.matches("application/json")).isTrue();
    assertThat(defaults.matches("Application/JSON; charset=utf-8")).isTrue();
    assertThat(defaults.matches("application/problem+json")).isTrue();
    assertThat(defaults.matches("application/atom+xml")).isTrue();
    assertThat(defaults.matches("text/html;charset=UTF-8")).isTrue();
    assertThat(defaults.matches("image/svg+xml")).isTrue();
  }

  @Test
  void binaryAndAlreadyCompressedTypesDoNot() {
    assertThat(defaults.matches("image/png")).isFalse();
    assertThat(defaults.matches("image/jpeg")).isFalse();
    assertThat(defaults.matches("application/octet-stream")).isFalse();
    assertThat(defaults.matches("application/zip")).isFalse();
    assertThat(defaults.matches("video/mp4")).isFalse();
    assertThat(defaults.matches(null)).isFalse();
    assertThat(defaults.matches("garbage")).isFalse();
  }

  @Test
  void serverSentEventsNeverMatchEvenUnderAWildcard() {
    ContentTypes allText = new ContentTypes(List.of("text/*"));
    assertThat(allText.matches("text/plain")).isTrue();
    assertThat(allText.matches("text/event-stream")).isFalse();
    assertThat(allText.matches("text/event-stream; charset=utf-8")).isFalse();
    assertThat(defaults.matches("text/event-stream")).isFalse();
  }
}
