package io.datapunk.nexus.transform;

import io.datapunk.nexus.config.HeaderRules;
import io.vertx.core.MultiMap;
import java.util.Map;

/** Applies {@link HeaderRules} to a header map: remove, then set, then add. */
final class HeaderEdits {
  private HeaderEdits() {}

  static void apply(HeaderRules rules, MultiMap headers) {
    for (String name : rules.remove()) {
      headers.remove(name);
    }
    for (Map.Entry<String, String> e : rules.set().entrySet()) {
      headers.set(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : rules.add().entrySet()) {
      headers.add(e.getKey(), e.getValue());
    }
  }
}
