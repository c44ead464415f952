package io.datapunk.nexus.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Finds the route for a path: the longest prefix that matches on a segment boundary. */
public final class RouteTable {
  private final Route[] byLongestPrefix;

  public RouteTable(List<Route> routes) {
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
    this.byLongestPrefix = sorted.toArray(new Route[0]);
  }

  /** The route for the path, or null when none matches. */
  public Route match(String path) {
    for (Route r : byLongestPrefix) {
      if (r.matches(path)) {
        return r;
      }
    }
    return null;
  }

  public List<Route> routes() {
    return List.of(byLongestPrefix);
  }
}
