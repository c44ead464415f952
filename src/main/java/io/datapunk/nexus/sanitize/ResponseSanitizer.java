package io.datapunk.nexus.sanitize;

import io.datapunk.nexus.pipeline.Exchange;
import io.datapunk.nexus.pipeline.Filter;
import io.datapunk.nexus.pipeline.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * Cleans every proxied response on its way out: removes {@code Server}, {@code X-Powered-By} and the
 * configured internal headers, adds {@code X-Content-Type-Options: nosniff} and, on TLS connections,
 * {@code Strict-Transport-Security}; with {@code replace_5xx_body}, a service's 5xx answer is replaced
 * by the gateway's JSON error (its body, which may hold stack traces or internal names, is dropped).
 */
final class ResponseSanitizer implements Filter {
  private static final CharSequence X_POWERED_BY = HttpHeaders.createOptimized("X-Powered-By");
  private static final CharSequence NO_SNIFF_NAME = HttpHeaders.createOptimized("X-Content-Type-Options");
  private static final CharSequence NO_SNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence HSTS = HttpHeaders.createOptimized("Strict-Transport-Security");

  private final String service;
  private final CharSequence[] remove;
  private final ResponseSecurityConfig config;

  ResponseSanitizer(String service, ResponseSecurityConfig config) {
    this.service = service;
    this.config = config;
    List<String> names = config.removeHeaders();
    this.remove = new CharSequence[names.size() + 2];
    remove[0] = HttpHeaders.SERVER;
    remove[1] = X_POWERED_BY;
    for (int i = 0; i < names.size(); i++) {
      remove[i + 2] = HttpHeaders.createOptimized(names.get(i));
    }
  }

  @Override
  public void onRequest(Exchange exchange) {
    exchange.proceed();
  }

  @Override
  public void onResponse(Exchange exchange) {
    HttpServerResponse response = exchange.request().response();
    int status = response.getStatusCode();
    if (config.replace5xxBody() && status >= 500) {
      GatewayError error = switch (status) {
        case 502 -> GatewayError.SERVICE_DOWN;
        case 503 -> GatewayError.UNAVAILABLE;
        case 504 -> GatewayError.TIMEOUT;
        default -> GatewayError.INTERNAL;
      };
      exchange.replaceResponse(error, "The " + service + " service could not handle the request.");
      return;
    }
    MultiMap h = response.headers();
    for (CharSequence name : remove) {
      h.remove(name);
    }
    if (config.noSniff()) {
      h.set(NO_SNIFF_NAME, NO_SNIFF);
    }
    if (!config.hsts().isEmpty() && exchange.request().isSSL()) {
      h.set(HSTS, config.hsts());
    }
  }
}
