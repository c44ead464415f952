package io.datapunk.nexus.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One YAML mapping being read into typed values. Every problem is added to a shared error list with
 * its full path, so a loader reports all errors at once; keys never read are reported as unknown by
 * {@link #finish()}.
 */
public final class ConfigSection {
  private final JsonNode node;
  private final String path;
  private final List<String> errors;
  private final EnvSubstitution env;
  private final Set<String> read = new HashSet<>();

  ConfigSection(JsonNode node, String path, List<String> errors, EnvSubstitution env) {
    this.node = node == null ? MissingNode.getInstance() : node;
    this.path = path;
    this.errors = errors;
    this.env = env;
    if (!this.node.isMissingNode() && !this.node.isNull() && !this.node.isObject()) {
      error(path, describe(this.node), "a mapping");
    }
  }

  /** The dotted path of this section ("" for the root). */
  public String path() {
    return path;
  }

  /** Whether this section exists in the file (a mapping, possibly empty). */
  public boolean isPresent() {
    return !node.isMissingNode() && !node.isNull();
  }

  public boolean has(String key) {
    return node.isObject() && node.has(key) && !node.get(key).isNull();
  }

  /** Records a problem at {@code path.key}. */
  public void error(String key, String value, String expected) {
    errors.add(join(key) + ": " + value + " (expected: " + expected + ")");
  }

  public ConfigSection section(String key) {
    read.add(key);
    return new ConfigSection(node.isObject() ? node.get(key) : null, join(key), errors, env);
  }

  /** A mapping of user-chosen names to sections, in file order (for example {@code service_routes}). */
  public Map<String, ConfigSection> namedSections(String key) {
    read.add(key);
    Map<String, ConfigSection> out = new LinkedHashMap<>();
    JsonNode child = node.isObject() ? node.get(key) : null;
    if (child == null || child.isNull()) {
      return out;
    }
    if (!child.isObject()) {
      errors.add(join(key) + ": " + describe(child) + " (expected: a mapping of names to settings)");
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = child.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), new ConfigSection(e.getValue(), join(key) + "." + e.getKey(), errors, env));
    }
    return out;
  }

  public String string(String key, String def) {
    JsonNode v = scalar(key);
    if (v == null) {
      return def;
    }
    return text(key, v);
  }

  /** A string that must be present. */
  public String requiredString(String key) {
    JsonNode v = scalar(key);
    if (v == null) {
      if (!node.isObject() || !node.has(key)) {
        errors.add(join(key) + ": missing (expected: a value)");
      }
      return null;
    }
    return text(key, v);
  }

  public boolean bool(String key, boolean def) {
    JsonNode v = scalar(key);
    if (v == null) {
      return def;
    }
    String s = text(key, v);
    if (s == null) {
      return def;
    }
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> {
        error(key, s, "true or false");
        yield def;
      }
    };
  }

  /** An integer within {@code [min, max]}. */
  public int integer(String key, int def, int min, int max) {
    JsonNode v = scalar(key);
    if (v == null) {
      return def;
    }
    String s = text(key, v);
    try {
      long n = Long.parseLong(s.trim());
      if (n < min || n > max) {
        error(key, s, max == Integer.MAX_VALUE ? ">= " + min : "an integer from " + min + " to " + max);
        return def;
      }
      return (int) n;
    } catch (NumberFormatException e) {
      error(key, s, max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max);
      return def;
    }
  }

  /** A duration ({@code 30} seconds, {@code 30s}, {@code 500ms}) strictly greater than zero unless zero is allowed. */
  public Duration duration(String key, Duration def, boolean zeroAllowed) {
    JsonNode v = scalar(key);
    if (v == null) {
      return def;
    }
    String s = text(key, v);
    Duration d = s == null ? null : Units.duration(s);
    if (d == null || (!zeroAllowed && d.isZero())) {
      error(key, String.valueOf(s), zeroAllowed ? "a duration >= 0 such as 30, 30s or 500ms" : "> 0, a duration such as 30, 30s or 500ms");
      return def;
    }
    return d;
  }

  /** A duration from 0 to {@code max} inclusive (0 allowed). */
  public Duration duration(String key, Duration def, Duration max) {
    return duration(key, def, Duration.ZERO, max);
  }

  /** A duration from {@code min} to {@code max} inclusive. */
  public Duration duration(String key, Duration def, Duration min, Duration max) {
    JsonNode v = scalar(key);
    if (v == null) {
      return def;
    }
    String s = text(key, v);
    Duration d = s == null ? null : Units.duration(s);
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      error(key, String.valueOf(s), "a duration from " + format(min) + " to " + format(max)
          + ", such as 30, 30s or 500ms");
      return def;
    }
    return d;
  }

  private static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms >= 60_000) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  /** A size in bytes ({@code 1024}, {@code 512kb}, {@code 2gb}) within {@code [min, max]}. */
  public long size(String key, long def, long min, long max) {
    JsonNode v = scalar(key);
    if (v == null) {
      return def;
    }
    String s = text(key, v);
    long n = s == null ? -1 : Units.size(s);
    if (n < min || n > max) {
      error(key, String.valueOf(s), "a size from " + min + " to " + max + " bytes, such as 1024, 64kb or 2gb");
      return def;
    }
    return n;
  }

  /** One of the allowed words. */
  public String oneOf(String key, String def, String... allowed) {
    String s = string(key, null);
    if (s == null) {
      return def;
    }
    for (String a : allowed) {
      if (a.equals(s)) {
        return a;
      }
    }
    error(key, s, "one of " + String.join(", ", allowed));
    return def;
  }

  public List<String> stringList(String key) {
    List<String> out = new ArrayList<>();
    JsonNode v = list(key, "a list");
    if (v == null) {
      return out;
    }
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      if (!item.isValueNode()) {
        errors.add(join(key) + "[" + i + "]: " + describe(item) + " (expected: a string)");
        continue;
      }
      String s = substitute(join(key) + "[" + i + "]", item.asText());
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  /** Whether {@code key} holds a list. */
  public boolean isList(String key) {
    return node.isObject() && node.has(key) && node.get(key).isArray();
  }

  /** A list of mappings (for example {@code security.jwt.keys}); item i is the section {@code key[i]}. */
  public List<ConfigSection> sectionList(String key) {
    List<ConfigSection> out = new ArrayList<>();
    JsonNode v = list(key, "a list of mappings");
    if (v == null) {
      return out;
    }
    for (int i = 0; i < v.size(); i++) {
      out.add(new ConfigSection(v.get(i), join(key) + "[" + i + "]", errors, env));
    }
    return out;
  }

  /** A mapping of names to string values, in file order. */
  public Map<String, String> stringMap(String key) {
    read.add(key);
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode v = node.isObject() ? node.get(key) : null;
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      errors.add(join(key) + ": " + describe(v) + " (expected: a mapping of names to values)");
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String p = join(key) + "." + e.getKey();
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        errors.add(p + ": " + describe(e.getValue()) + " (expected: a string)");
        continue;
      }
      String s = substitute(p, e.getValue().asText());
      if (s != null) {
        out.put(e.getKey(), s);
      }
    }
    return out;
  }

  /** A decimal number within {@code [min, max]}. */
  public double number(String key, double def, double min, double max) {
    JsonNode v = scalar(key);
    if (v == null) {
      return def;
    }
    String s = text(key, v);
    try {
      double n = Double.parseDouble(s.trim());
      if (!(n >= min && n <= max)) {
        error(key, s, "a number from " + trim(min) + " to " + trim(max));
        return def;
      }
      return n;
    } catch (NumberFormatException | NullPointerException e) {
      error(key, String.valueOf(s), "a number from " + trim(min) + " to " + trim(max));
      return def;
    }
  }

  /** A list of integers, each within {@code [min, max]}; {@code def} when the key is absent. */
  public List<Integer> integerList(String key, List<Integer> def, int min, int max) {
    if (!has(key)) {
      read.add(key);
      return def;
    }
    List<String> raw = stringList(key);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String s = raw.get(i);
      try {
        int n = Integer.parseInt(s.trim());
        if (n < min || n > max) {
          errors.add(join(key) + "[" + i + "]: " + s + " (expected: an integer from " + min + " to " + max + ")");
        } else {
          out.add(n);
        }
      } catch (NumberFormatException e) {
        errors.add(join(key) + "[" + i + "]: " + s + " (expected: an integer from " + min + " to " + max + ")");
      }
    }
    return List.copyOf(out);
  }

  /**
   * A list of mappings, each read as its own section ({@code key[0]}, {@code key[1]}, ...). A scalar item
   * is read as a mapping with the single key {@code scalarKey} (so {@code - http://a:1} means
   * {@code - url: http://a:1}).
   */
  public List<ConfigSection> sectionList(String key, String scalarKey) {
    List<ConfigSection> out = new ArrayList<>();
    JsonNode v = list(key, "a list");
    if (v == null) {
      return out;
    }
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      if (item.isValueNode() && !item.isNull()) {
        item = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().set(scalarKey, item);
      }
      out.add(new ConfigSection(item, join(key) + "[" + i + "]", errors, env));
    }
    return out;
  }

  /** Marks keys as known without reading them (sections owned by a capability that reads them elsewhere). */
  public void accept(String... keys) {
    read.addAll(List.of(keys));
  }

  /** Reports every key of this mapping that no reader asked for. */
  public void finish() {
    if (!node.isObject()) {
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!read.contains(k)) {
        errors.add(join(k) + ": unknown key (expected: one of " + String.join(", ", new java.util.TreeSet<>(read)) + ")");
      }
    }
  }

  private JsonNode scalar(String key) {
    read.add(key);
    if (!node.isObject()) {
      return null;
    }
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      errors.add(join(key) + ": " + describe(v) + " (expected: a single value)");
      return null;
    }
    return v;
  }

  private String text(String key, JsonNode v) {
    return substitute(join(key), v.asText());
  }

  private String substitute(String at, String raw) {
    try {
      return env.apply(raw);
    } catch (IllegalArgumentException e) {
      errors.add(at + ": " + e.getMessage());
      return null;
    }
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private String join(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The list under {@code key}, marked read; null when absent, or (with an error) when not a list. */
  private JsonNode list(String key, String expected) {
    read.add(key);
    JsonNode v = node.isObject() ? node.get(key) : null;
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      errors.add(join(key) + ": " + describe(v) + " (expected: " + expected + ")");
      return null;
    }
    return v;
  }

  private static String describe(JsonNode v) {
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.isNull() ? "null" : v.asText();
  }
}
