package io.datapunk.nexus.sanitize;

import io.datapunk.nexus.config.ConfigSection;
import io.datapunk.nexus.config.HeaderNames;
import java.util.List;

/**
 * What the gateway removes from and adds to every proxied response ({@code security.response:}).
 * {@code Server} and {@code X-Powered-By} are always removed.
 *
 * @param removeHeaders further upstream headers to remove (internal details)
 * @param replace5xxBody replace the body of an upstream 5xx with the gateway's JSON error (default false)
 * @param hsts the {@code Strict-Transport-Security} value sent on TLS connections ("" disables; default
 *     {@code max-age=31536000})
 * @param noSniff send {@code X-Content-Type-Options: nosniff} (default true)
 */
public record ResponseSecurityConfig(List<String> removeHeaders, boolean replace5xxBody, String hsts, boolean noSniff) {
  public static final String DEFAULT_HSTS = "max-age=31536000";
  public static final ResponseSecurityConfig DEFAULTS = new ResponseSecurityConfig(List.of(), false, DEFAULT_HSTS, true);

  public static ResponseSecurityConfig read(ConfigSection s) {
    List<String> remove = s.stringList("remove_headers");
    for (String h : remove) {
      if (!HeaderNames.isToken(h)) {
        s.error("remove_headers", h, "a header name");
      }
    }
    ResponseSecurityConfig c = new ResponseSecurityConfig(List.copyOf(remove), s.bool("replace_5xx_body", false),
        s.string("hsts", DEFAULT_HSTS), s.bool("content_type_options", true));
    s.finish();
    return c;
  }
}
