package io.datapunk.nexus.pipeline;

/** The end of a route's pipeline: sends the exchange to the service and streams the answer back. */
public interface Upstream {
  void forward(Exchange exchange);
}
