package io.datapunk.nexus.pipeline;

/**
 * One step of a route's pipeline. {@link #onRequest} either continues with {@link Exchange#proceed()}
 * (now or later, from the same event loop) or answers with {@link Exchange#fail} or its own response.
 */
public interface Filter {
  /** The request phase. */
  void onRequest(Exchange exchange);

  /**
   * The upstream response head has been copied to {@code exchange.request().response()} and is about
   * to be written: filters may change its status or headers. Called in reverse pipeline order, only for
   * proxied responses.
   */
  default void onResponse(Exchange exchange) {}
}
