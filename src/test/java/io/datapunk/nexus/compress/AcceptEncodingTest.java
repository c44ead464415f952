package io.datapunk.nexus.compress;

import static io.datapunk.nexus.compress.ContentCoding.BROTLI;
import static io.datapunk.nexus.compress.ContentCoding.GZIP;
import static io.datapunk.nexus.compress.ContentCoding.ZSTD;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AcceptEncodingTest {
  private final AcceptEncoding gzipFirst = new AcceptEncoding(List.of(GZIP, BROTLI, ZSTD));

  @Test
  void highestQValueWins() {
    assertThat(gzipFirst.choose("gzip;q=0.5, br;q=0.9, zstd;q=0.8")).isEqualTo(BROTLI);
    assertThat(gzipFirst.choose("gzip;q=0.5, br;q=0.7, zstd;q=0.8")).isEqualTo(ZSTD);
    assertThat(gzipFirst.choose("gzip;q=1.0, br;q=0.5")).isEqualTo(GZIP);
    assertThat(gzipFirst.choose("br;q=0.001, gzip;q=0")).isEqualTo(BROTLI);
  }

  @Test
  void tiesGoToTheServersPreference() {
    assertThat(gzipFirst.choose("gzip, deflate, br, zstd")).isEqualTo(GZIP);
    assertThat(new AcceptEncoding(List.of(ZSTD, BROTLI, GZIP)).choose("gzip, br, zstd")).isEqualTo(ZSTD);
    assertThat(new AcceptEncoding(List.of(BROTLI, GZIP)).choose("gzip, zstd, br")).isEqualTo(BROTLI);
  }

  @Test
  void qZeroMeansNotAcceptable() {
    assertThat(gzipFirst.choose("gzip;q=0, br;q=0")).isNull();
    assertThat(gzipFirst.choose("br;q=0, gzip")).isEqualTo(GZIP);
    assertThat(gzipFirst.choose("*;q=0")).isNull();
    assertThat(gzipFirst.choose("gzip;q=0, *")).isEqualTo(BROTLI);
  }

  @Test
  void starRatesCodingsNotNamed() {
    assertThat(gzipFirst.choose("*")).isEqualTo(GZIP);
    assertThat(gzipFirst.choose("gzip;q=0.2, *;q=0.5")).isEqualTo(BROTLI);
  }

  @Test
  void onlyOfferedCodingsAreChosen() {
    AcceptEncoding gzipOnly = new AcceptEncoding(List.of(GZIP));
    assertThat(gzipOnly.choose("br, zstd")).isNull();
    assertThat(gzipOnly.choose("br, zstd, gzip;q=0.1")).isEqualTo(GZIP);
    assertThat(gzipFirst.choose("deflate, identity")).isNull();
  }

  @Test
  void noHeaderOrEmptyHeaderMeansIdentity() {
    assertThat(gzipFirst.choose(null)).isNull();
    assertThat(gzipFirst.choose("")).isNull();
  }

  @Test
  void toleratesSpacingCaseAndOtherParameters() {
    assertThat(gzipFirst.choose("  GZIP ; Q = 0.4 ,BR;level=3;q=0.6")).isEqualTo(BROTLI);
    assertThat(gzipFirst.choose("x-gzip")).isEqualTo(GZIP);
  }

  @Test
  void malformedQValuesNeverSelect() {
    assertThat(gzipFirst.choose("gzip;q=abc")).isNull();
    assertThat(gzipFirst.choose("gzip;q=1.5")).isNull();
    assertThat(gzipFirst.choose("gzip;q=0.5000")).isNull();
    assertThat(AcceptEncoding.parseQ("1.000")).isEqualTo(1000);
    assertThat(AcceptEncoding.parseQ("0.125")).isEqualTo(125);
    assertThat(AcceptEncoding.parseQ("1.001")).isZero();
  }
}
