package io.datapunk.nexus.admin;

import io.datapunk.nexus.config.IpAllowList;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The effective configuration as JSON for the admin API: every record component in snake_case,
 * durations as {@code 30s}/{@code 500ms}, and every value whose name says it is a secret (token,
 * secret, password, key, credential) or that holds URL credentials replaced by {@code "(redacted)"}.
 */
final class ConfigView {
  static final String REDACTED = "(redacted)";
  private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(token|secret|password|passwd|credential|api_?key|private_?key|(^|_)keys?$).*");

  private ConfigView() {}

  static Object of(Object value) {
    return of(value, null);
  }

  private static Object of(Object value, String name) {
    if (value == null) {
      return null;
    }
    if (name != null && SECRET_NAME.matcher(name).matches() && !(value instanceof Boolean)) {
      return REDACTED;
    }
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Duration d) {
      return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
    if (value instanceof URI u) {
      return u.getRawUserInfo() == null ? u.toString() : u.toString().replace(u.getRawUserInfo() + "@", REDACTED + "@");
    }
    if (value instanceof Pattern p) {
      return p.pattern();
    }
    if (value instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT);
    }
    if (value instanceof IpAllowList l) {
      return new JsonArray(l.entries());
    }
    if (value instanceof Map<?, ?> m) {
      JsonObject o = new JsonObject();
      m.forEach((k, v) -> o.put(String.valueOf(k), of(v, String.valueOf(k))));
      return o;
    }
    if (value instanceof Collection<?> c) {
      JsonArray a = new JsonArray();
      c.forEach(v -> a.add(of(v, null)));
      return a;
    }
    if (value.getClass().isRecord()) {
      JsonObject o = new JsonObject();
      for (RecordComponent rc : value.getClass().getRecordComponents()) {
        String key = snake(rc.getName());
        try {
          o.put(key, of(rc.getAccessor().invoke(value), key));
        } catch (ReflectiveOperationException e) {
          o.put(key, REDACTED);
        }
      }
      return o;
    }
    if (value.getClass().isArray()) {
      return String.valueOf(java.lang.reflect.Array.getLength(value)) + " items";
    }
    // Anything else is shown by type only: its toString might carry what it holds.
    return "(" + value.getClass().getSimpleName() + ")";
  }

  static String snake(String camel) {
    StringBuilder b = new StringBuilder(camel.length() + 4);
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c)) {
        b.append('_').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
