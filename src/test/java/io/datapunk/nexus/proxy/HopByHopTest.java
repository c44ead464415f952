package io.datapunk.nexus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.http.impl.headers.Http2HeadersAdaptor;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The header copy of every proxied message, over each kind of header map Vert.x hands the proxy: a
 * server request's {@link HeadersMultiMap}, a client response's {@link HeadersAdaptor} over Netty's
 * headers (both read as stored, without String copies), and any other {@link MultiMap}.
 */
class HopByHopTest {

  private static void fill(MultiMap m) {
    // Names in lower case where HTTP/2 requires it; the copy compares them ignoring case anyway.
    m.add("content-type", "application/json");
    m.add("connection", "keep-alive, X-Private");
    m.add("x-private", "hop");
    m.add("keep-alive", "timeout=5");
    m.add("te", "trailers");
    m.add("transfer-encoding", "chunked");
    m.add("upgrade", "h2c");
    m.add("proxy-authorization", "Basic Zm9vOmJhcg==");
    m.add("set-cookie", "a=1");
    m.add("set-cookie", "b=2");
    m.add("host", "example.test");
  }

  private static void assertCopied(MultiMap from) {
    MultiMap to = HeadersMultiMap.httpHeaders();
    HopByHop.copy(from, to, new CharSequence[] {"host"});
    assertThat(to.names()).map(String::toLowerCase).containsExactlyInAnyOrder("content-type", "set-cookie");
    assertThat(to.get("content-type")).isEqualTo("application/json");
    assertThat(to.getAll("Set-Cookie")).isEqualTo(List.of("a=1", "b=2"));
  }

  @Test
  void copiesAServerRequestsHeadersAsStored() {
    HeadersMultiMap from = HeadersMultiMap.httpHeaders();
    fill(from);
    assertThat(HeaderEntries.of(from)).isNotNull();
    assertCopied(from);
  }

  @Test
  void copiesAClientResponsesNettyHeadersAsStored() {
    MultiMap from = new HeadersAdaptor(new DefaultHttpHeaders());
    fill(from);
    assertThat(HeaderEntries.of(from)).as("the adaptor's Netty headers are reachable").isNotNull();
    assertCopied(from);
  }

  @Test
  void copiesAnyOtherMultiMapThroughItsOwnIterator() {
    // HTTP/2 headers (lower-case names on the wire) come in Vert.x's HTTP/2 adaptor.
    MultiMap from = new Http2HeadersAdaptor(new DefaultHttp2Headers());
    fill(from);
    assertThat(HeaderEntries.of(from)).isNull();
    assertCopied(from);
  }

  @Test
  void everyHopByHopNameIsKnownInAnyCase() {
    for (String name : List.of("te", "Upgrade", "TRAILER", "connection", "Keep-Alive", "proxy-connection",
        "Transfer-Encoding", "Proxy-Authenticate", "proxy-authorization")) {
      assertThat(HopByHop.isHopByHop(name)).as(name).isTrue();
      assertThat(HopByHop.isHopByHop(new AsciiString(name))).as(name).isTrue();
    }
    assertThat(HopByHop.isHopByHop("tx")).isFalse();
    assertThat(HopByHop.isHopByHop("Content-Length")).isFalse();
  }
}
