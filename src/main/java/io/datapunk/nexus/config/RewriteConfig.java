package io.datapunk.nexus.config;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How a route changes the path before forwarding ({@code rewrite:}). The matched route prefix is first
 * replaced by {@code prefix} (or removed, or kept, per {@code strip_prefix}); then, when {@code regex} is
 * set, its first match in the path is replaced by {@code replacement} ({@code $1} refers to groups).
 *
 * @param prefix replacement for the route prefix, or null
 * @param regex compiled pattern, or null
 * @param replacement replacement text for the pattern
 */
public record RewriteConfig(String prefix, Pattern regex, String replacement) {
  public static final RewriteConfig NONE = new RewriteConfig(null, null, null);

  static RewriteConfig read(ConfigSection s) {
    String prefix = s.string("prefix", null);
    if (prefix != null && !prefix.startsWith("/")) {
      s.error("prefix", prefix, "a path starting with /");
      prefix = null;
    }
    String regex = s.string("regex", null);
    String replacement = s.string("replacement", null);
    Pattern pattern = null;
    if (regex != null) {
      try {
        pattern = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        s.error("regex", regex, "a Java regular expression (" + e.getDescription() + ")");
      }
      if (replacement == null) {
        s.error("replacement", "missing", "a replacement when regex is set");
      }
    } else if (replacement != null) {
      s.error("regex", "missing", "a regex when replacement is set");
    }
    s.finish();
    if (prefix == null && pattern == null) {
      return NONE;
    }
    return new RewriteConfig(prefix, pattern, replacement);
  }
}
