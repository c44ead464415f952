package io.datapunk.nexus.config;

import java.util.List;
import java.util.Map;

/**
 * Header changes applied by a route ({@code request_headers:} / {@code response_headers:}). Applied in
 * the order remove, set, add.
 *
 * @param add headers appended (a second value when the header exists)
 * @param set headers replaced (or created)
 * @param remove header names removed
 */
public record HeaderRules(Map<String, String> add, Map<String, String> set, List<String> remove) {
  public static final HeaderRules NONE = new HeaderRules(Map.of(), Map.of(), List.of());

  public boolean isEmpty() {
    return add.isEmpty() && set.isEmpty() && remove.isEmpty();
  }

  static HeaderRules read(ConfigSection s) {
    Map<String, String> add = s.stringMap("add");
    Map<String, String> set = s.stringMap("set");
    List<String> remove = s.stringList("remove");
    for (String name : concat(add.keySet(), set.keySet(), remove)) {
      if (!HeaderNames.isToken(name)) {
        s.error(name, name, "a header name made of letters, digits and !#$%&'*+-.^_`|~");
      }
    }
    s.finish();
    return new HeaderRules(Map.copyOf(add), Map.copyOf(set), List.copyOf(remove));
  }

  private static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b, List<String> c) {
    java.util.ArrayList<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    all.addAll(c);
    return all;
  }
}
