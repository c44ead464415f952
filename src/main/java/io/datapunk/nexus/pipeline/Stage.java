package io.datapunk.nexus.pipeline;

/**
 * The order of the per-route filters. The steps before these (request id, input validation, route
 * match) and after them (resilience and the upstream call) are fixed in {@link Pipeline}.
 */
public enum Stage {
  /** Response sanitizing and CORS (preflights are answered before authentication). */
  CORS,
  AUTHENTICATION,
  RATE_LIMIT,
  CACHE,
  TRANSFORM
}
