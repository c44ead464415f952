package io.datapunk.nexus.pipeline;

/** Told once when an exchange is finished, whatever its outcome (metrics, access log). */
public interface ExchangeListener {
  void onComplete(Exchange exchange);

  /** Told when the first upstream attempt of an exchange starts (in-flight counts); most listeners ignore it. */
  default void onUpstreamStart(Exchange exchange) {}
}
