package io.datapunk.nexus.config;

import java.util.List;
import java.util.Map;

/**
 * Query-string changes applied by a route ({@code query:}): parameters removed, then added.
 *
 * @param add parameters appended to the upstream query
 * @param remove parameter names removed (every occurrence)
 */
public record QueryRules(Map<String, String> add, List<String> remove) {
  public static final QueryRules NONE = new QueryRules(Map.of(), List.of());

  public boolean isEmpty() {
    return add.isEmpty() && remove.isEmpty();
  }

  static QueryRules read(ConfigSection s) {
    QueryRules q = new QueryRules(Map.copyOf(s.stringMap("add")), List.copyOf(s.stringList("remove")));
    s.finish();
    return q;
  }
}
