package io.datapunk.nexus.sanitize;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * The CORS stage of a route with a {@code cors} policy, before authentication (preflights carry no
 * credentials). A preflight from an allowed origin for an allowed method and headers is answered by
 * the gateway (204) and never reaches the service; any other preflight gets 403. Actual requests
 * from an allowed origin get {@code Access-Control-Allow-Origin} (and the exposed headers) on the
 * service's response and on the gateway's own errors, replacing whatever the service sent; requests
 * from other origins get no CORS header, so browsers keep the response from the page.
 */
final class CorsFilter implements Filter {
  private static final CharSequence ALLOW_ORIGIN = HttpHeaders.createOptimized("Access-Control-Allow-Origin");
  private static final CharSequence ALLOW_METHODS = HttpHeaders.createOptimized("Access-Control-Allow-Methods");
  private static final CharSequence ALLOW_HEADERS = HttpHeaders.createOptimized("Access-Control-Allow-Headers");
  private static final CharSequence ALLOW_CREDENTIALS = HttpHeaders.createOptimized("Access-Control-Allow-Credentials");
  private static final CharSequence EXPOSE_HEADERS = HttpHeaders.createOptimized("Access-Control-Expose-Headers");
  private static final CharSequence MAX_AGE = HttpHeaders.createOptimized("Access-Control-Max-Age");
  private static final CharSequence REQUEST_METHOD = HttpHeaders.createOptimized("Access-Control-Request-Method");
  private static final CharSequence REQUEST_HEADERS = HttpHeaders.createOptimized("Access-Control-Request-Headers");

  private final CorsPolicy policy;
  private final String methods;
  private final String exposed;

  CorsFilter(CorsPolicy policy) {
    this.policy = policy;
    this.methods = String.join(", ", policy.allowedMethods());
    this.exposed = String.join(", ", policy.exposedHeaders());
  }

  @Override
  public void onRequest(Exchange exchange) {
    HttpServerRequest request = exchange.request();
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      exchange.proceed();
      return;
    }
    boolean allowed = policy.anyOrigin() || policy.allowedOrigins().contains(origin);
    String preflightMethod = request.method() == HttpMethod.OPTIONS ? request.getHeader(REQUEST_METHOD) : null;
    if (preflightMethod != null) {
      String asked = request.getHeader(REQUEST_HEADERS);
      if (!allowed || !policy.allowedMethods().contains(preflightMethod.trim().toUpperCase(Locale.ROOT))
          || !headersAllowed(asked)) {
        exchange.fail(GatewayError.FORBIDDEN, "This cross-origin request is not allowed for this route.");
        return;
      }
      MultiMap h = request.response().headers();
      allowOrigin(h, origin);
      h.set(ALLOW_METHODS, methods);
      if (asked != null && !asked.isBlank()) {
        h.set(ALLOW_HEADERS, asked);
      }
      h.set(MAX_AGE, Long.toString(policy.maxAge().toSeconds()));
      request.response().setStatusCode(204).end();
      return;
    }
    if (allowed) {
      MultiMap errors = exchange.errorHeaders();
      allowOrigin(errors, origin);
      errors.set(EXPOSE_HEADERS, exposed);
    }
    exchange.proceed();
  }

  @Override
  public void onResponse(Exchange exchange) {
    MultiMap h = exchange.request().response().headers();
    h.remove(ALLOW_ORIGIN);
    h.remove(ALLOW_CREDENTIALS);
    h.remove(EXPOSE_HEADERS);
    String origin = exchange.request().getHeader(HttpHeaders.ORIGIN);
    if (origin != null && (policy.anyOrigin() || policy.allowedOrigins().contains(origin))) {
      allowOrigin(h, origin);
      h.set(EXPOSE_HEADERS, exposed);
    }
  }

  private void allowOrigin(MultiMap h, String origin) {
    if (policy.anyOrigin() && !policy.allowCredentials()) {
      h.set(ALLOW_ORIGIN, "*");
    } else {
      h.set(ALLOW_ORIGIN, origin);
      h.add(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    }
    if (policy.allowCredentials()) {
      h.set(ALLOW_CREDENTIALS, "true");
    }
  }

  private boolean headersAllowed(String asked) {
    if (asked == null || asked.isBlank()) {
      return true;
    }
    for (String h : asked.split(",")) {
      String name = h.trim().toLowerCase(Locale.ROOT);
      if (!name.isEmpty() && !policy.allowedHeaders().contains(name)) {
        return false;
      }
    }
    return true;
  }
}
