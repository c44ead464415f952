package io.datapunk.nexus.pipeline;

/** Told once when an exchange is finished, whatever its outcome (metrics, access log). */
public interface ExchangeListener {
  void onComplete(Exchange exchange);
}
