package io.datapunk.nexus.compress;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The media types worth compressing: exact types, whole types ({@code text/*}) and structured-syntax
 * suffixes ({@code application/*+json}). {@code text/event-stream} never matches: server-sent
 * events are long-lived and each event is small, so compressing them would pin a compressor's
 * memory for the life of every stream for little gain.
 */
final class ContentTypes {
  private final Set<String> exact = new HashSet<>();
  private final Set<String> wholeTypes = new HashSet<>();
  private final Set<String> suffixes = new HashSet<>();

  ContentTypes(List<String> patterns) {
    for (String p : patterns) {
      String t = p.toLowerCase(Locale.ROOT);
      int slash = t.indexOf('/');
      String sub = t.substring(slash + 1);
      if (sub.equals("*")) {
        wholeTypes.add(t.substring(0, slash));
      } else if (sub.startsWith("*+")) {
        suffixes.add(t.substring(0, slash) + "/+" + sub.substring(2));
      } else {
        exact.add(t);
      }
    }
  }

  /** Whether a {@code Content-Type} value (parameters allowed) names a compressible type. */
  boolean matches(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String media = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    int slash = media.indexOf('/');
    if (slash <= 0 || media.equals("text/event-stream")) {
      return false;
    }
    if (exact.contains(media) || wholeTypes.contains(media.substring(0, slash))) {
      return true;
    }
    int plus = media.lastIndexOf('+');
    return plus > slash && suffixes.contains(media.substring(0, slash) + "/" + media.substring(plus));
  }
}
