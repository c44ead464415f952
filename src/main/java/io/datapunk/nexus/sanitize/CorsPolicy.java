package io.datapunk.nexus.sanitize;

import io.datapunk.nexus.config.ConfigSection;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A route's CORS policy ({@code service_routes.NAME.cors:}); without one, the gateway adds no CORS
 * header and answers no preflight (the service may).
 *
 * @param allowedOrigins exact origins ({@code https://app.example.com}), or {@code *} for any
 * @param allowedMethods methods a preflight may ask for (default GET, HEAD, POST)
 * @param allowedHeaders request headers a preflight may ask for (default: none beyond the safelisted)
 * @param exposedHeaders response headers scripts may read (default X-Request-Id)
 * @param allowCredentials whether credentialed requests are allowed (never with {@code *})
 * @param maxAge how long a browser may cache a preflight answer (default 10m)
 */
public record CorsPolicy(Set<String> allowedOrigins, Set<String> allowedMethods, Set<String> allowedHeaders,
                         List<String> exposedHeaders, boolean allowCredentials, Duration maxAge) {

  public boolean anyOrigin() {
    return allowedOrigins.contains("*");
  }

  public static CorsPolicy read(ConfigSection s) {
    if (!s.has("allowed_origins")) {
      s.accept("allowed_origins", "allowed_methods", "allowed_headers", "exposed_headers", "allow_credentials", "max_age");
      s.finish();
      return null;
    }
    List<String> origins = s.stringList("allowed_origins");
    for (String o : origins) {
      if (!o.equals("*") && !(o.startsWith("https://") || o.startsWith("http://")) || o.endsWith("/")) {
        s.error("allowed_origins", o, "* or an origin such as https://app.example.com (scheme and host, no path)");
      }
    }
    List<String> methods = s.stringList("allowed_methods");
    List<String> headers = s.stringList("allowed_headers");
    List<String> exposed = s.stringList("exposed_headers");
    boolean credentials = s.bool("allow_credentials", false);
    if (credentials && origins.contains("*")) {
      s.error("allow_credentials", "true", "false when allowed_origins contains * (browsers refuse it)");
    }
    Duration maxAge = s.duration("max_age", Duration.ofMinutes(10), true);
    s.finish();
    return new CorsPolicy(Set.copyOf(origins),
        methods.isEmpty() ? Set.of("GET", "HEAD", "POST") : methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet()),
        headers.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet()),
        exposed.isEmpty() ? List.of("X-Request-Id") : List.copyOf(exposed), credentials, maxAge);
  }
}
