#!/usr/bin/env bash
# Writes the report of a bench/run.sh run from its raw directory: latest.md (printed too),
# latest.csv, latest.json and, with gnuplot, throughput.png and openloop-p99.png.
#
#   bench/report.sh [RAW_DIR [RESULTS_DIR]]     (defaults: bench/results/latest-raw, bench/results)
#
# RAW_DIR holds rows.tsv (one line per measurement, written by run.sh) and meta.env (the run's
# parameters). PLOTS=0: no PNGs. Run it again after editing this script to redo a report without
# measuring again.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RAW="${1:-$BENCH_DIR/results/latest-raw}"
OUT="${2:-$(cd "$RAW/.." && pwd)}"
ROWS="$RAW/rows.tsv"
[ -f "$ROWS" ] && [ -f "$RAW/meta.env" ] || { echo "report.sh: $RAW has no rows.tsv and meta.env" >&2; exit 1; }
# shellcheck disable=SC1091
. "$RAW/meta.env"
PLOTS="${PLOTS:-1}"
command -v gnuplot >/dev/null 2>&1 || PLOTS=0

declare -A LABEL=([direct]="direct (NGINX backend)" [nginx]="NGINX proxy" [nexus]="Nexus bare route" [nexus-full]="Nexus full pipeline" [nexus-cache]="Nexus cache hit")
read -r -a TLIST <<<"$TARGETS"
declare -A NOTE=([direct]="$NOTE_direct" [nginx]="$NOTE_nginx" [nexus]="$NOTE_nexus" [nexus-full]="$NOTE_nexus_full" [nexus-cache]="$NOTE_nexus_cache")

# ---------------------------------------------------------------- acceptance: medians over rounds
# target rps p50 p90 p99 max rss_kb cpu cpu10k other requests non2xx errors rounds
ACC="$RAW/acceptance.tsv"
awk -F'\t' -v OFS='\t' -v order="$TARGETS" '
  function med(list,   n, a, i, j, t) {
    n = split(list, a, " "); if (n == 0) return "-"
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : sprintf("%.3f", (a[n / 2] + a[n / 2 + 1]) / 2)
  }
  function add(k, v) { if (v != "-" && v != "") L[k] = L[k] " " v }
  function mx(k, v) { if (v != "-" && v != "" && (!(k in M) || v + 0 > M[k] + 0)) M[k] = v }
  $1 == "acceptance" {
    t = $2; n[t]++
    add(t SUBSEP "rps", $8); add(t SUBSEP "p50", $9); add(t SUBSEP "p90", $10); add(t SUBSEP "p99", $11)
    mx(t SUBSEP "max", $13); mx(t SUBSEP "rss", $14); add(t SUBSEP "cpu", $15); add(t SUBSEP "cpu10k", $16)
    add(t SUBSEP "other", $17); req[t] += $18; non[t] += $19; err[t] += $20
  }
  END {
    k = split(order, T, " ")
    for (i = 1; i <= k; i++) {
      t = T[i]; if (!(t in n)) continue
      print t, med(L[t SUBSEP "rps"]), med(L[t SUBSEP "p50"]), med(L[t SUBSEP "p90"]), med(L[t SUBSEP "p99"]),
        ((t SUBSEP "max") in M ? M[t SUBSEP "max"] : "-"), ((t SUBSEP "rss") in M ? M[t SUBSEP "rss"] : "-"),
        med(L[t SUBSEP "cpu"]), med(L[t SUBSEP "cpu10k"]), med(L[t SUBSEP "other"]), req[t], non[t], err[t], n[t]
    }
  }' "$ROWS" >"$ACC"

declare -A RPS P50 P90 P99 MAXL RSS CPU CPU10K OTHER REQ NON ERR NR
while IFS=$'\t' read -r t rps p50 p90 p99 max rss cpu cpu10k other req non err nr; do
  RPS[$t]="$rps"; P50[$t]="$p50"; P90[$t]="$p90"; P99[$t]="$p99"; MAXL[$t]="$max"; RSS[$t]="$rss"; CPU[$t]="$cpu"
  CPU10K[$t]="$cpu10k"; OTHER[$t]="$other"; REQ[$t]="$req"; NON[$t]="$non"; ERR[$t]="$err"; NR[$t]="$nr"
done <"$ACC"
get() { local -n arr="$1"; local v="${arr[$2]:-}"; [ "$v" = - ] && v=""; printf '%s' "$v"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b }' || true; }
fmt() { [ -n "$2" ] && [ "$2" != - ] && awk -v v="$2" -v f="$1" 'BEGIN {printf f, v}' || printf 'n/a'; }
mb() { [ -n "$1" ] && [ "$1" != - ] && [ "$1" != 0 ] && awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}' || true; }
verdict() {  # value op limit -> pass / FAIL / ""
  [ -n "$1" ] || return 0
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
    ok = (op == ">=") ? (v >= l) : (op == "<=") ? (v <= l) : (v < l); print ok ? "pass" : "FAIL" }'
}
NGX_RPS="$(get RPS nginx)"; NGX_P99="$(get P99 nginx)"; NGX_C10K="$(get CPU10K nginx)"
R_TPUT="$(ratio "$(get RPS nexus)" "$NGX_RPS")"; R_P99="$(ratio "$(get P99 nexus)" "$NGX_P99")"
R_FULL="$(ratio "$(get RPS nexus-full)" "$NGX_RPS")"; R_CACHE="$(ratio "$(get RPS nexus-cache)" "$NGX_RPS")"
RSS_NX="$(mb "$(get RSS nexus)")"; RSS_NXF="$(mb "$(get RSS nexus-full)")"; RSS_NXC="$(mb "$(get RSS nexus-cache)")"
V_TPUT="$(verdict "$R_TPUT" ">=" 0.9)"; V_P99="$(verdict "$R_P99" "<=" 1.5)"
V_FULL="$(verdict "$R_FULL" ">=" 0.7)"; V_CACHE="$(verdict "$R_CACHE" ">=" 1.0)"
V_START="$(verdict "$NEXUS_START_MS" "<" 1000)"
V_RSS="$(verdict "$RSS_NX" "<" 150)"; V_RSSF="$(verdict "$RSS_NXF" "<" 150)"; V_RSSC="$(verdict "$RSS_NXC" "<" 150)"
pct() { [ -n "$1" ] && printf '%s' "$1" || printf 'n/a'; }

# ---------------------------------------------------------------- markdown
MD="$OUT/latest.md"
OL_CONNS="$OPENLOOP_CONNECTIONS"
{
  echo "# Nexus benchmark, $STAMP (git $GIT_REV)"
  echo
  if [ "$QUICK" = 1 ]; then
    echo "**Quick run (\`--quick\`): a smoke test of the setup.** Runs of a few seconds after a short warm-up; on one core the JVM still compiles hot code for 10 to 15 s under load, so Nexus's figures are below its steady state. Do not quote them."
    echo
  fi
  echo "Targets: $TARGETS. Backend NGINX and the load generators (wrk, openloop) on core $BACKEND_CPU, each proxy alone on core $PROXY_CPU (Nexus: \`event_loops: 1\`). Nexus JVM: \`$NEXUS_JAVA_OPTS\`; $JAVA_VER; nginx $NGINX_VER. Host load average before $LOAD_BEFORE, after $LOAD_AFTER; the run took $(( RUN_SECONDS / 60 )) min $(( RUN_SECONDS % 60 )) s."
  echo
  echo "## Acceptance: $SIZE bodies, $CONNECTIONS connections"
  echo
  echo "Closed loop (wrk, $THREADS thread, keep-alive), ${DURATION} s x $ROUNDS round(s) per target (medians), after a warm-up of ${WARMUP} s (direct, NGINX) or ${NEXUS_WARMUP} s (each Nexus target)."
  echo
  echo "| target | req/s | x NGINX | p50 ms | p99 ms | p99 x NGINX | RSS MB | CPU s / 10k req | req per CPU s x NGINX | other % on core | non-2xx | errors | note |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for t in "${TLIST[@]}"; do
    c10k="$(get CPU10K "$t")"
    eff=""; [ -n "$c10k" ] && [ -n "$NGX_C10K" ] && eff="$(ratio "$NGX_C10K" "$c10k")"
    echo "| ${LABEL[$t]} | $(fmt '%.0f' "$(get RPS "$t")") | $(pct "$(ratio "$(get RPS "$t")" "$NGX_RPS")") | $(fmt '%.2f' "$(get P50 "$t")") | $(fmt '%.2f' "$(get P99 "$t")") | $(pct "$(ratio "$(get P99 "$t")" "$NGX_P99")") | $(fmt '%.1f' "$(mb "$(get RSS "$t")")") | $(fmt '%.3f' "$c10k") | $(pct "$eff") | $( [ "$t" = direct ] && echo - || fmt '%.0f' "$(get OTHER "$t")") | ${NON[$t]:-n/a} | ${ERR[$t]:-n/a} | ${NOTE[$t]} |"
  done
  echo
  echo "| goal (issue 9) | measured | target | |"
  echo "|---|---:|---|---|"
  echo "| bare route throughput, Nexus / NGINX | $(pct "$R_TPUT") | >= 0.9 | $V_TPUT |"
  echo "| bare route p99, Nexus / NGINX | $(pct "$R_P99") | <= 1.5 | $V_P99 |"
  echo "| full pipeline throughput / NGINX | $(pct "$R_FULL") | >= 0.7 | $V_FULL |"
  echo "| cache hit throughput / NGINX | $(pct "$R_CACHE") | >= 1.0 | $V_CACHE |"
  echo "| start to first proxied 200 (bare route, AppCDS) | $( [ -n "$NEXUS_START_MS" ] && echo "$NEXUS_START_MS ms" || echo n/a) | < 1000 ms | $V_START |"
  echo "| RSS under load, bare route | $( [ -n "$RSS_NX" ] && echo "$RSS_NX MB" || echo n/a) | < 150 MB | $V_RSS |"
  echo "| RSS under load, full pipeline | $( [ -n "$RSS_NXF" ] && echo "$RSS_NXF MB" || echo n/a) | < 150 MB | $V_RSSF |"
  echo "| RSS under load, cache hit | $( [ -n "$RSS_NXC" ] && echo "$RSS_NXC MB" || echo n/a) | < 150 MB | $V_RSSC |"
  [ -n "$NEXUS_LOG_ERRORS" ] && echo "| Nexus log ERROR / WARN lines (all targets) | $NEXUS_LOG_ERRORS / $NEXUS_LOG_WARNS | 0 | |"
  [ -n "$ACCESS_LINES" ] && echo "| full pipeline: access log lines of its last acceptance run | $ACCESS_LINES | one per request | |"
  echo
  if [ "$SIZE" != 1k ] || [ "$CONNECTIONS" != 50 ]; then
    echo "The goals are defined at 1 KiB and 50 connections; this run's acceptance point is $SIZE and $CONNECTIONS connections."
    echo
  fi
  echo "RSS: maximum VmRSS sampled every 200 ms during the measured run (NGINX: its worker; Nexus: the JVM). CPU s / 10k req: the process's utime + stime over the run (/proc/PID/stat) per 10 000 requests; req per CPU s x NGINX is what the throughput ratio would be if each proxy had its core to itself. other % on core: the rest of the proxy core's busy time (other processes, interrupts); well above a few % means the figures were disturbed."
  echo

  if [ "$MATRIX" = 1 ]; then
    echo "## Closed loop: throughput and latency against connections (wrk)"
    echo
    echo "${MATRIX_DURATION} s per point after ${POINT_WARMUP} s unmeasured, targets in turn at each point. Cells: req/s, p50 / p99 ms; a point with more than 1 % non-2xx answers or errors shows their counts and is left out of the plot."
    for size in $SIZES; do
      echo
      echo "### $size bodies"
      echo
      hdr="| target |"; sep="|---|"
      for c in $MATRIX_CONNECTIONS; do hdr+=" $c connections |"; sep+="---:|"; done
      echo "$hdr"; echo "$sep"
      for t in "${TLIST[@]}"; do
        line="| ${LABEL[$t]} |"
        for c in $MATRIX_CONNECTIONS; do
          cell="$(awk -F'\t' -v t="$t" -v s="$size" -v c="$c" '$1 == "matrix" && $2 == t && $3 == s && $4 == c {
            if ($8 == "-") { print "n/a"; exit }
            printf "%\047.0f req/s, %.2f / %.2f", $8, $9, $11
            if ($19 + $20 > 0) printf " (%d non-2xx, %d errors)", $19, $20
            if ($23 != "") printf " [note]" }' "$ROWS")"
          line+=" ${cell:-n/a} |"
        done
        echo "$line"
      done
    done
    echo
    echo "Largest RSS over the matrix: $(awk -F'\t' '$1 == "matrix" && $14 != "-" && $14 + 0 > m[$2] {m[$2] = $14 + 0}
      END {for (t in m) printf "%s %.1f MB; ", t, m[t] / 1024}' "$ROWS" | sed 's/; $//')."
    notes="$(awk -F'\t' '$1 == "matrix" && $23 != "" {printf "%s %s x %s: %s; ", $2, $3, $4, $23}' "$ROWS" | sed 's/; $//')"
    [ -n "$notes" ] && echo "Notes ([note] in a cell): $notes."
    echo "Errors or non-2xx answers in the matrix: $(awk -F'\t' '$1 == "matrix" && ($19 + $20) > 0 {printf "%s %s x %s: %d non-2xx, %d errors; ", $2, $3, $4, $19, $20}' "$ROWS" | sed 's/; $//')$(awk -F'\t' '$1 == "matrix" && ($19 + $20) > 0 {n++} END {if (!n) printf "none"}' "$ROWS")."
    echo
  fi

  if [ "$OPENLOOP" = 1 ]; then
    echo "## Open loop: latency at a fixed offered load (openloop)"
    echo
    echo "Offered load = fraction x NGINX's acceptance throughput ($(fmt "%'.0f" "$OPENLOOP_PEAK_USED") req/s), $OL_CONNS keep-alive connections, $SIZE bodies, ${OPENLOOP_DURATION} s per point after ${POINT_WARMUP} s unmeasured. Latency runs from each request's intended send time to the last byte of its answer, so queueing is counted (no coordinated omission). max send lag: the most the generator itself sent a request late although its connection was free (well above a millisecond: the load core was saturated or the generator descheduled, and the latencies are overstated by up to that much)."
    echo
    echo "| target | fraction | offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | non-2xx | errors | unsent | max send lag ms | note |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    awk -F'\t' -v order="$TARGETS" -v fr="$FRACTIONS" '
      BEGIN { nt = split(order, T, " "); nf = split(fr, F, " ") }
      $1 == "openloop" { k = $2 SUBSEP ($6 + 0); row[k] = $0 }
      END {
        split("direct nginx nexus nexus-full nexus-cache", _);
        lab["direct"] = "direct (NGINX backend)"; lab["nginx"] = "NGINX proxy"; lab["nexus"] = "Nexus bare route"
        lab["nexus-full"] = "Nexus full pipeline"; lab["nexus-cache"] = "Nexus cache hit"
        for (i = 1; i <= nt; i++) for (j = 1; j <= nf; j++) {
          k = T[i] SUBSEP (F[j] + 0); if (!(k in row)) continue
          split(row[k], v, "\t")
          if (v[8] == "-") { printf "| %s | %s | %s | n/a | | | | | | | | | | %s |\n", lab[T[i]], v[6], v[7], v[23]; continue }
          printf "| %s | %s | %\047.0f | %\047.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %.2f | %s |\n",
            lab[T[i]], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[19], v[20], v[21], v[22], v[23]
        }
      }' "$ROWS"
    echo
  fi

  if [ "$PLOTS" = 1 ]; then
    echo "## Plots"
    echo
    [ "$MATRIX" = 1 ] && echo "![throughput against connections](throughput.png)" && echo
    [ "$OPENLOOP" = 1 ] && echo "![p99 against offered load](openloop-p99.png)" && echo
  fi
  echo "Raw outputs, configs and logs: \`$(basename "$RAW")/\`; \`bench/README.md\` explains every column."
} >"$MD"

# ---------------------------------------------------------------- CSV (every measurement)
{
  echo "phase,target,size,connections,round,fraction,offered_rps,requests_per_sec,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,rss_mb,cpu_pct,cpu_s_per_10k,other_pct_on_core,requests,non_2xx,errors,unsent,max_send_lag_ms,note"
  awk -F'\t' -v OFS=',' '{
    for (i = 1; i <= 23; i++) if ($i == "-") $i = ""
    if ($14 != "") $14 = sprintf("%.1f", $14 / 1024)
    gsub(/"/, "\047", $23); $23 = "\"" $23 "\""
    print }' "$ROWS"
} >"$OUT/latest.csv"

# ---------------------------------------------------------------- JSON
jnum() { [ -n "$1" ] && [ "$1" != - ] && echo "$1" || echo null; }
jstr() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }
jrows() {  # phase -> JSON objects, one per line, comma-separated
  awk -F'\t' -v ph="$1" '
    function n(v) { return (v == "-" || v == "") ? "null" : v }
    function kb(v) { return (v == "-" || v == "" || v == 0) ? "null" : sprintf("%.1f", v / 1024) }
    $1 == ph {
      gsub(/\\/, "\\\\", $23); gsub(/"/, "\\\"", $23)
      printf "%s    {\"target\": \"%s\", \"size\": \"%s\", \"connections\": %s, \"round\": %s, \"fraction\": %s, \"offered_rps\": %s, \"requests_per_sec\": %s, \"p50_ms\": %s, \"p90_ms\": %s, \"p99_ms\": %s, \"p999_ms\": %s, \"max_ms\": %s, \"rss_mb\": %s, \"cpu_pct\": %s, \"cpu_s_per_10k\": %s, \"other_pct_on_core\": %s, \"requests\": %s, \"non_2xx\": %s, \"errors\": %s, \"unsent\": %s, \"max_send_lag_ms\": %s, \"note\": \"%s\"}",
        (c++ ? ",\n" : ""), $2, $3, n($4), n($5), n($6), n($7), n($8), n($9), n($10), n($11), n($12), n($13), kb($14), n($15), n($16), n($17), n($18), n($19), n($20), n($21), n($22), $23
    }
    END { if (c) printf "\n" }' "$ROWS"
}
{
  echo "{"
  echo "  \"timestamp\": \"$STAMP\", \"git\": \"$GIT_REV\", \"quick\": $( [ "$QUICK" = 1 ] && echo true || echo false),"
  echo "  \"params\": {\"targets\": $(jstr "$TARGETS"), \"size\": \"$SIZE\", \"connections\": $CONNECTIONS, \"duration_s\": $DURATION, \"rounds\": $ROUNDS, \"warmup_s\": $WARMUP, \"nexus_warmup_s\": $NEXUS_WARMUP, \"threads\": $THREADS, \"matrix\": $( [ "$MATRIX" = 1 ] && echo true || echo false), \"sizes\": $(jstr "$SIZES"), \"matrix_connections\": $(jstr "$MATRIX_CONNECTIONS"), \"matrix_duration_s\": $MATRIX_DURATION, \"point_warmup_s\": $POINT_WARMUP, \"openloop\": $( [ "$OPENLOOP" = 1 ] && echo true || echo false), \"fractions\": $(jstr "$FRACTIONS"), \"openloop_duration_s\": $OPENLOOP_DURATION, \"openloop_connections\": $OPENLOOP_CONNECTIONS, \"openloop_peak_rps\": $(jnum "$OPENLOOP_PEAK_USED"), \"backend_cpu\": \"$BACKEND_CPU\", \"proxy_cpu\": \"$PROXY_CPU\", \"nexus_java_opts\": $(jstr "$NEXUS_JAVA_OPTS"), \"loadavg_before\": \"$LOAD_BEFORE\", \"loadavg_after\": \"$LOAD_AFTER\", \"run_seconds\": $RUN_SECONDS},"
  echo "  \"acceptance\": ["
  n=0
  for t in "${TLIST[@]}"; do
    [ -n "${NR[$t]:-}" ] || continue
    n=$((n + 1)); [ "$n" -gt 1 ] && echo ","
    printf '    {"target": "%s", "requests_per_sec": %s, "p50_ms": %s, "p90_ms": %s, "p99_ms": %s, "max_ms": %s, "rss_mb": %s, "cpu_pct": %s, "cpu_s_per_10k": %s, "other_pct_on_core": %s, "requests": %s, "non_2xx": %s, "errors": %s, "rounds": %s, "note": %s}' \
      "$t" "$(jnum "$(get RPS "$t")")" "$(jnum "$(get P50 "$t")")" "$(jnum "$(get P90 "$t")")" "$(jnum "$(get P99 "$t")")" "$(jnum "$(get MAXL "$t")")" \
      "$(jnum "$(mb "$(get RSS "$t")")")" "$(jnum "$(get CPU "$t")")" "$(jnum "$(get CPU10K "$t")")" "$(jnum "$(get OTHER "$t")")" "${REQ[$t]}" "${NON[$t]}" "${ERR[$t]}" "${NR[$t]}" "$(jstr "${NOTE[$t]}")"
  done
  [ "$n" -gt 0 ] && echo
  echo "  ],"
  echo "  \"goals\": ["
  echo "    {\"goal\": \"bare_throughput_over_nginx\", \"value\": $(jnum "$R_TPUT"), \"target\": \">= 0.9\", \"pass\": $( [ "$V_TPUT" = pass ] && echo true || { [ -n "$V_TPUT" ] && echo false || echo null; })},"
  echo "    {\"goal\": \"bare_p99_over_nginx\", \"value\": $(jnum "$R_P99"), \"target\": \"<= 1.5\", \"pass\": $( [ "$V_P99" = pass ] && echo true || { [ -n "$V_P99" ] && echo false || echo null; })},"
  echo "    {\"goal\": \"full_pipeline_throughput_over_nginx\", \"value\": $(jnum "$R_FULL"), \"target\": \">= 0.7\", \"pass\": $( [ "$V_FULL" = pass ] && echo true || { [ -n "$V_FULL" ] && echo false || echo null; })},"
  echo "    {\"goal\": \"cache_hit_throughput_over_nginx\", \"value\": $(jnum "$R_CACHE"), \"target\": \">= 1.0\", \"pass\": $( [ "$V_CACHE" = pass ] && echo true || { [ -n "$V_CACHE" ] && echo false || echo null; })},"
  echo "    {\"goal\": \"start_to_first_200_ms\", \"value\": $(jnum "$NEXUS_START_MS"), \"target\": \"< 1000\", \"pass\": $( [ "$V_START" = pass ] && echo true || { [ -n "$V_START" ] && echo false || echo null; })},"
  echo "    {\"goal\": \"rss_mb_bare\", \"value\": $(jnum "$RSS_NX"), \"target\": \"< 150\", \"pass\": $( [ "$V_RSS" = pass ] && echo true || { [ -n "$V_RSS" ] && echo false || echo null; })},"
  echo "    {\"goal\": \"rss_mb_full_pipeline\", \"value\": $(jnum "$RSS_NXF"), \"target\": \"< 150\", \"pass\": $( [ "$V_RSSF" = pass ] && echo true || { [ -n "$V_RSSF" ] && echo false || echo null; })},"
  echo "    {\"goal\": \"rss_mb_cache_hit\", \"value\": $(jnum "$RSS_NXC"), \"target\": \"< 150\", \"pass\": $( [ "$V_RSSC" = pass ] && echo true || { [ -n "$V_RSSC" ] && echo false || echo null; })}"
  echo "  ],"
  echo "  \"matrix\": ["
  jrows matrix
  echo "  ],"
  echo "  \"openloop\": ["
  jrows openloop
  echo "  ],"
  echo "  \"nexus_over_nginx_throughput\": $(jnum "$R_TPUT"), \"nexus_over_nginx_p99\": $(jnum "$R_P99"),"
  echo "  \"nexus_start_to_first_200_ms\": $(jnum "$NEXUS_START_MS"), \"nexus_rss_mb\": $(jnum "$RSS_NX"),"
  echo "  \"nexus_log_error_lines\": $(jnum "$NEXUS_LOG_ERRORS"), \"nexus_log_warn_lines\": $(jnum "$NEXUS_LOG_WARNS")"
  echo "}"
} >"$OUT/latest.json"

# ---------------------------------------------------------------- plots
if [ "$PLOTS" = 1 ]; then
  PD="$RAW/plot"; rm -rf "$PD"; mkdir -p "$PD"
  declare -A COLOR=([direct]="#888888" [nginx]="#2ca02c" [nexus]="#1f77b4" [nexus-full]="#ff7f0e" [nexus-cache]="#9467bd")
  if [ "$MATRIX" = 1 ]; then
    read -r -a SL <<<"$SIZES"
    ns=${#SL[@]}; cols=$(( ns > 1 ? 2 : 1 )); rows=$(( (ns + 1) / 2 ))
    xt=""; for c in $MATRIX_CONNECTIONS; do xt+="${xt:+, }\"$c\" $c"; done
    xr="$(printf '%s\n' $MATRIX_CONNECTIONS | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%g:%g", lo / 1.5, hi * 1.5}')"
    {
      echo "set terminal pngcairo size $(( cols == 1 ? 900 : 1280 )),$((440 * rows + 40)) font 'sans,10'"
      echo "set output '$OUT/throughput.png'"
      echo "set multiplot layout $rows,$cols title \"Closed loop (wrk): requests/s against connections, one core per proxy\\n$STAMP, git $GIT_REV$( [ "$QUICK" = 1 ] && echo ', QUICK RUN: not steady state')\""
      echo "set logscale x 2; set xrange [$xr]; set xtics ($xt); set xlabel 'connections'; set ylabel 'requests/s'; set yrange [0:*]"
      echo "set grid; set key outside bottom center horizontal; set format y \"%.0s%c\""
      for size in "${SL[@]}"; do
        plot=""
        for t in "${TLIST[@]}"; do
          # A point whose answers were not all 200s (an open breaker's 503s) is no throughput figure.
          awk -F'\t' -v t="$t" -v s="$size" '$1 == "matrix" && $2 == t && $3 == s && $8 != "-" && ($19 + $20) <= 0.01 * $18 {print $4, $8, $11}' "$ROWS" | sort -n >"$PD/m-$t-$size.dat"
          [ -s "$PD/m-$t-$size.dat" ] || continue
          plot+="${plot:+, }'$PD/m-$t-$size.dat' using 1:2 with linespoints lw 2 pt 7 lc rgb '${COLOR[$t]}' title '${LABEL[$t]}'"
        done
        echo "set title '$size bodies'"
        [ -n "$plot" ] && echo "plot $plot" || echo "plot 1/0 notitle"
      done
      echo "unset multiplot"
    } >"$PD/throughput.gp"
    gnuplot "$PD/throughput.gp" 2>"$PD/throughput.err" || { echo "report.sh: gnuplot failed for throughput.png:" >&2; cat "$PD/throughput.err" >&2; }
  fi
  if [ "$OPENLOOP" = 1 ]; then
    plot=""
    for t in "${TLIST[@]}"; do
      awk -F'\t' -v t="$t" '$1 == "openloop" && $2 == t && $11 != "-" && ($19 + $20) <= 0.01 * $18 {print $7, $11, $9, $8}' "$ROWS" | sort -g >"$PD/o-$t.dat"
      [ -s "$PD/o-$t.dat" ] || continue
      plot+="${plot:+, }'$PD/o-$t.dat' using 1:2 with linespoints lw 2 pt 7 lc rgb '${COLOR[$t]}' title '${LABEL[$t]} p99'"
      plot+=", '$PD/o-$t.dat' using 1:3 with linespoints lw 1 dt 2 pt 6 lc rgb '${COLOR[$t]}' title '${LABEL[$t]} p50'"
    done
    {
      echo "set terminal pngcairo size 1100,560 font 'sans,10'"
      echo "set output '$OUT/openloop-p99.png'"
      echo "set title \"Open loop (openloop, $OL_CONNS connections, $SIZE bodies): p99 and p50 latency against offered load\\n$STAMP, git $GIT_REV$( [ "$QUICK" = 1 ] && echo ', QUICK RUN: not steady state')\""
      echo "set xlabel 'offered requests/s (fractions of NGINX peak $(fmt '%.0f' "$OPENLOOP_PEAK_USED") req/s)'; set ylabel 'latency ms (log)'"
      echo "set logscale y; set grid; set key outside right top; set format x \"%.0f\"; set offsets graph 0.05, graph 0.05, 0, 0"
      [ -n "$plot" ] && echo "plot $plot" || echo "plot 1/0 notitle"
    } >"$PD/openloop.gp"
    gnuplot "$PD/openloop.gp" 2>"$PD/openloop.err" || { echo "report.sh: gnuplot failed for openloop-p99.png:" >&2; cat "$PD/openloop.err" >&2; }
  fi
fi

cat "$MD"
echo
echo "Results: $OUT/latest.{md,csv,json}$( [ "$PLOTS" = 1 ] && echo ", $OUT/throughput.png, $OUT/openloop-p99.png"); raw outputs in $RAW/"
