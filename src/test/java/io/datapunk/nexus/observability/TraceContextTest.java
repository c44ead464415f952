package io.datapunk.nexus.observability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceContextTest {
  static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void continuesAValidTraceWithANewSpan() {
    TraceContext t = TraceContext.from(VALID);
    assertThat(t.continued()).isTrue();
    assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(t.parentId()).isEqualTo("00f067aa0ba902b7");
    assertThat(t.spanId()).matches("[0-9a-f]{16}").isNotEqualTo(t.parentId());
    assertThat(t.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + t.spanId() + "-01");
    assertThat(TraceContext.from(VALID.replace("-01", "-00")).flags()).isEqualTo("00");
  }

  @Test
  void startsANewTraceWhenAbsentOrInvalid() {
    String[] invalid = {
        null, "", "garbage",
        VALID.toUpperCase(),                                         // upper-case hex
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // all-zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version ff
        VALID + "-extra",                                            // version 00 has no extra fields
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    // short trace id
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // wrong separator
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",   // bad flags
    };
    for (String h : invalid) {
      TraceContext t = TraceContext.from(h);
      assertThat(t.continued()).as(String.valueOf(h)).isFalse();
      assertThat(t.traceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32)).isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(t.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    }
  }

  @Test
  void aLaterVersionMayCarryMoreFields() {
    TraceContext t = TraceContext.from("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever");
    assertThat(t.continued()).isTrue();
    assertThat(t.traceparent()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
  }
}
