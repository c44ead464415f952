package io.datapunk.nexus.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * What one reload did: applied (and what changed) or rejected (and why, the running config kept).
 *
 * @param outcome {@code applied}, {@code rejected}, or {@code unchanged} (the file is the one in force)
 * @param trigger what asked for it: {@code file} (the watch saw a change), {@code admin}, {@code signal}
 * @param generation the config generation in force after it (1 is the config the gateway started with)
 * @param at when it finished
 * @param errors why it was rejected, each as {@code path: value (expected: ...)}
 * @param routesAdded routes the new config adds
 * @param routesRemoved routes it removes
 * @param routesChanged routes whose settings changed
 * @param poolsKept pools (with their open connections) reused as their service's settings are unchanged
 * @param poolsCreated pools opened for new or changed services
 * @param poolsRetired pools no longer used, closed once their requests in flight are done
 * @param restartRequired settings that changed but only take effect at the next restart (listeners,
 *     admin port, Redis), as {@code path: running -> new}
 */
public record ReloadResult(String outcome, String trigger, long generation, Instant at, List<String> errors,
                           List<String> routesAdded, List<String> routesRemoved, List<String> routesChanged,
                           int poolsKept, int poolsCreated, int poolsRetired, List<String> restartRequired) {
  public static final String APPLIED = "applied";
  public static final String REJECTED = "rejected";
  public static final String UNCHANGED = "unchanged";

  static ReloadResult rejected(String trigger, long generation, List<String> errors) {
    return new ReloadResult(REJECTED, trigger, generation, Instant.now(), List.copyOf(errors), List.of(), List.of(),
        List.of(), 0, 0, 0, List.of());
  }

  static ReloadResult unchanged(String trigger, long generation) {
    return new ReloadResult(UNCHANGED, trigger, generation, Instant.now(), List.of(), List.of(), List.of(), List.of(),
        0, 0, 0, List.of());
  }

  public boolean applied() {
    return APPLIED.equals(outcome);
  }

  public boolean rejected() {
    return REJECTED.equals(outcome);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("outcome", outcome)
        .put("trigger", trigger)
        .put("generation", generation)
        .put("at", at.toString())
        .put("errors", new JsonArray(errors))
        .put("routes", new JsonObject()
            .put("added", new JsonArray(routesAdded))
            .put("removed", new JsonArray(routesRemoved))
            .put("changed", new JsonArray(routesChanged)))
        .put("pools", new JsonObject().put("kept", poolsKept).put("created", poolsCreated).put("retired", poolsRetired))
        .put("restart_required", new JsonArray(restartRequired));
  }

  /** One line for the log. */
  String summary() {
    return switch (outcome) {
      case APPLIED -> "config generation " + generation + " applied (" + trigger + "): routes +" + routesAdded
          + " -" + routesRemoved + " ~" + routesChanged + "; pools kept " + poolsKept + ", created " + poolsCreated
          + ", retired " + poolsRetired
          + (restartRequired.isEmpty() ? "" : "; applied at the next restart only: " + restartRequired);
      case REJECTED -> "config reload rejected (" + trigger + "), generation " + generation + " stays in force: "
          + String.join("; ", errors);
      default -> "config reload (" + trigger + "): file unchanged, generation " + generation + " stays in force";
    };
  }
}
