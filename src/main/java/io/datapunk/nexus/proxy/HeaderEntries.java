package io.datapunk.nexus.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Iterator;
import java.util.Map;

/**
 * The header entries of a Vert.x {@link MultiMap} as they are stored (names and values as decoded,
 * mostly Netty {@code AsciiString}s), without the {@code String} copy and the entry wrapper that
 * {@code MultiMap}'s own iterator makes of every header. The proxy copies every header of every
 * request and response, so this is on the hot path.
 *
 * <p>Vert.x keeps a server request's headers in a {@link HeadersMultiMap} (iterable as stored), and a
 * client response's in a {@link HeadersAdaptor} over Netty's {@link HttpHeaders}, whose field is read
 * once through a method handle. When neither applies (a future Vert.x, HTTP/2 adaptors), callers get
 * null and use the plain iterator.
 */
final class HeaderEntries {
  private static final MethodHandle ADAPTED = adaptedHeaders();

  private HeaderEntries() {}

  private static MethodHandle adaptedHeaders() {
    try {
      var field = HeadersAdaptor.class.getDeclaredField("headers");
      field.setAccessible(true);
      return MethodHandles.lookup().unreflectGetter(field);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** The entries of {@code headers} as stored, or null when its kind is not known here. */
  static Iterator<Map.Entry<CharSequence, CharSequence>> of(MultiMap headers) {
    if (headers instanceof HeadersMultiMap map) {
      return map.iteratorCharSequence();
    }
    if (headers instanceof HeadersAdaptor && ADAPTED != null) {
      try {
        return ((HttpHeaders) ADAPTED.invoke((HeadersAdaptor) headers)).iteratorCharSequence();
      } catch (Throwable e) {
        return null;
      }
    }
    return null;
  }
}
