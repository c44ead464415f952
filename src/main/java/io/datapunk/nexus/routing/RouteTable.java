package io.datapunk.nexus.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the route for a path: the longest prefix that matches on a segment boundary.
 *
 * <p>A prefix other than {@code /} can only match paths whose first segment is the prefix's first
 * segment ({@code /storage/v2} only paths under {@code /storage}), so routes are grouped by it: a match
 * tries the group of the path's first segment, longest prefix first, then the catch-all {@code /}
 * routes. Checking every route in turn cost about 5 ns per route for a path of a short prefix or of
 * no route (measured with the {@code RouteMatchBenchmark}).
 */
public final class RouteTable {
  private final Route[] byLongestPrefix;
  /** Open addressing by first segment: {@code segments[i]} and its routes {@code groups[i]}, longest prefix first. */
  private final String[] segments;
  private final Route[][] groups;
  private final int mask;
  /** Routes with prefix {@code /}: they match every path, after any longer one. */
  private final Route[] catchAll;

  public RouteTable(List<Route> routes) {
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
    this.byLongestPrefix = sorted.toArray(new Route[0]);

    Map<String, List<Route>> bySegment = new LinkedHashMap<>();
    List<Route> roots = new ArrayList<>();
    for (Route r : byLongestPrefix) {
      String prefix = r.prefix();
      if (prefix.length() == 1) {
        roots.add(r);
      } else {
        bySegment.computeIfAbsent(prefix.substring(1, firstSegmentEnd(prefix)), k -> new ArrayList<>()).add(r);
      }
    }
    int size = Integer.highestOneBit(Math.max(1, bySegment.size()) * 2 + 1) * 2;
    this.segments = new String[size];
    this.groups = new Route[size][];
    this.mask = size - 1;
    for (Map.Entry<String, List<Route>> e : bySegment.entrySet()) {
      String segment = e.getKey();
      int i = hash(segment, 0, segment.length()) & mask;
      while (segments[i] != null) {
        i = (i + 1) & mask;
      }
      segments[i] = segment;
      groups[i] = e.getValue().toArray(new Route[0]);
    }
    this.catchAll = roots.toArray(new Route[0]);
  }

  /** The route for the path, or null when none matches. */
  public Route match(String path) {
    if (path.isEmpty() || path.charAt(0) != '/') {
      return scan(byLongestPrefix, path);
    }
    int end = firstSegmentEnd(path);
    int length = end - 1;
    for (int i = hash(path, 1, end) & mask; segments[i] != null; i = (i + 1) & mask) {
      String segment = segments[i];
      if (segment.length() == length && path.regionMatches(1, segment, 0, length)) {
        Route r = scan(groups[i], path);
        if (r != null) {
          return r;
        }
        break;
      }
    }
    return scan(catchAll, path);
  }

  public List<Route> routes() {
    return List.of(byLongestPrefix);
  }

  private static Route scan(Route[] routes, String path) {
    for (Route r : routes) {
      if (r.matches(path)) {
        return r;
      }
    }
    return null;
  }

  /** Where the first segment of a path starting with {@code /} ends: its next {@code /}, or its length. */
  private static int firstSegmentEnd(String path) {
    int slash = path.indexOf('/', 1);
    return slash < 0 ? path.length() : slash;
  }

  private static int hash(String s, int from, int to) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + s.charAt(i);
    }
    return h ^ (h >>> 16);
  }
}
