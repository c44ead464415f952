#!/usr/bin/env bash
# Soak: Nexus under a mixed load for SOAK_MINUTES (default 30), sampling its memory every
# SAMPLE_EVERY seconds, then a verdict on heap and direct memory growth. `./nexus soak` runs it.
#
# Setup (one Nexus, ./nexus's JVM flags, event_loops 1, pinned to PROXY_CPU; everything else on
# BACKEND_CPU):
#   /bare    proxy route to an NGINX backend (GET 0, 1k, 16k, 256k; POST bodies of 1k, 16k, 64k)
#   /cached  the same backend with the response cache (L1 only, ttl 5 s, 220 keys, POSTs invalidate)
#   /secure  JWT (RS256) and a client rate limit of 200/s (the load exceeds it: some 429), and
#            requests without a token (401)
#   /flaky   a slow or failing service (bench/loadgen/slow_server.py), route timeout 200 ms:
#            504 (too slow), 502 (connection dropped), some slow 200s; breaker and outlier detection
#            off so that the errors keep coming
#   /down    nothing listens: 502; and a path no route matches: 404
#   metrics on, access log and audit log to files (emptied at every sample)
# wrk (bench/soak.lua) draws each request from that mix, SOAK_CONNECTIONS connections paced to about
# SOAK_RATE req/s. Every sample: a full GC through `jcmd PID GC.run` (SOAK_FORCE_GC=1, the default:
# then "heap after GC" is the live heap, not promoted garbage waiting for the next old collection),
# then /metrics on the admin port (heap pools, jvm_gc_live_data_size_bytes, JDK direct buffers,
# nexus_netty_direct_memory_bytes, requests by status), VmRSS and the process's CPU time.
#
# Verdict, over the second half of the run (the first half is warm-up: JIT, pools, caches filling):
# a least-squares line through heap-after-GC and through direct memory (JDK direct buffers + Netty's
# no-cleaner counter when it keeps one); each passes when its growth along the line over the second
# half is under SOAK_MAX_GROWTH percent (5) of its value at mid-run, or under SOAK_NOISE_MB (2 MB,
# about one Netty chunk: pools grow in steps). RSS is reported, not judged (code cache, malloc arenas).
#
# Output: bench/results/soak.csv (one line per sample), soak.png (heap after GC, direct memory, RSS
# over time), soak.md (the verdict and the load's totals), soak-raw/ (config, logs, wrk output).
# Exit status: 0 when the run completed and both verdicts pass, 3 when one fails, 1 on a setup failure.
#
# Environment: SOAK_MINUTES (30), SAMPLE_EVERY (10 s), SOAK_RATE (2000), SOAK_CONNECTIONS (32),
# SOAK_FORCE_GC (1), SOAK_MAX_GROWTH (5), SOAK_NOISE_MB (2), NEXUS_JAVA_OPTS (./nexus's), NEXUS_JAR
# (target/nexus.jar), BACKEND_CPU (0), PROXY_CPU (1), RESULTS_DIR (bench/results), KEEP_TMP=1.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
[ "${1:-}" = -h ] || [ "${1:-}" = --help ] && { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0; }
log() { printf '%s\n' "soak: $*" >&2; }
die() { log "setup failure: $*"; exit 1; }

SOAK_MINUTES="${SOAK_MINUTES:-30}"; SAMPLE_EVERY="${SAMPLE_EVERY:-10}"; SOAK_RATE="${SOAK_RATE:-2000}"
SOAK_CONNECTIONS="${SOAK_CONNECTIONS:-32}"; SOAK_FORCE_GC="${SOAK_FORCE_GC:-1}"
SOAK_MAX_GROWTH="${SOAK_MAX_GROWTH:-5}"; SOAK_NOISE_MB="${SOAK_NOISE_MB:-2}"
for v in SOAK_MINUTES SAMPLE_EVERY SOAK_RATE SOAK_CONNECTIONS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || die "$v must be a whole number >= 1 (got '${!v}')"
done
NEXUS_JAR="${NEXUS_JAR:-$ROOT/target/nexus.jar}"
if [ -z "${NEXUS_JAVA_OPTS:-}" ]; then
  NEXUS_JAVA_OPTS="$(sed -n 's/^NEXUS_JAVA_OPTS="\${NEXUS_JAVA_OPTS:-\(.*\)}"[[:space:]]*$/\1/p' "$ROOT/nexus" 2>/dev/null | head -n 1)"
fi
BACKEND_CPU="${BACKEND_CPU:-0}"; PROXY_CPU="${PROXY_CPU:-1}"
[ "$(nproc)" -ge 2 ] || PROXY_CPU="$BACKEND_CPU"
RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results}"
mkdir -p "$RESULTS_DIR"; RESULTS_DIR="$(cd "$RESULTS_DIR" && pwd)"
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
for t in wrk curl taskset openssl python3 java awk "$NGINX_BIN"; do command -v "$t" >/dev/null 2>&1 || die "missing $t"; done
[ -f "$NEXUS_JAR" ] || die "$NEXUS_JAR missing (./nexus soak builds it)"
JCMD="$(command -v jcmd || true)"
if [ "$SOAK_FORCE_GC" = 1 ] && [ -z "$JCMD" ]; then
  log "warning: jcmd not found (a JDK has it): no forced GC; heap after GC is then the heap after the last collection"
  SOAK_FORCE_GC=0
fi
PLOTS=1
if ! command -v gnuplot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing gnuplot-nox ..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox; } >&2 || true
  fi
  command -v gnuplot >/dev/null 2>&1 || { log "warning: no gnuplot (apt-get install gnuplot-nox): no soak.png"; PLOTS=0; }
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/nexus-soak.XXXXXX")"
chmod 755 "$TMP"
PIDS=()
WRK_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP_TMP:-0}" = 1 ]; then log "temp dir kept: $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
taskset -cp "$BACKEND_CPU" $$ >/dev/null 2>&1 || true
free_ports() { python3 -c 'import socket,sys
s=[socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"; }
read -r BACKEND_PORT SLOW_PORT DEAD_PORT NEXUS_PORT ADMIN_PORT <<<"$(free_ports 5)"

# Backend NGINX with the bench bodies (POST answered with the file too).
mkdir -p "$TMP/www/bench"
: >"$TMP/www/bench/0"
for n in 1k:1024 16k:16384 256k:262144; do head -c "${n#*:}" /dev/zero | tr '\0' x >"$TMP/www/bench/${n%%:*}"; done
chmod -R a+rX "$TMP/www"
sed -e "s|@TMP@|$TMP|g" -e "s|@WWW@|$TMP/www|g" -e "s|@PORT@|$BACKEND_PORT|g" "$BENCH_DIR/nginx/backend.conf.tmpl" >"$TMP/backend.conf"
taskset -c "$BACKEND_CPU" "$NGINX_BIN" -p "$TMP/" -e "$TMP/backend-error.log" -c "$TMP/backend.conf" >"$TMP/backend.out" 2>&1 </dev/null &
PIDS+=($!)
# The slow and failing service.
taskset -c "$BACKEND_CPU" python3 "$BENCH_DIR/loadgen/slow_server.py" --port "$SLOW_PORT" --body 512 >"$TMP/slow.out" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$BACKEND_PORT/bench/1k" && grep -q listening "$TMP/slow.out" && break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$BACKEND_PORT/bench/1k" || die "backend NGINX did not start"

# JWT key pair and token.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/jwt.key" 2>/dev/null
openssl pkey -in "$TMP/jwt.key" -pubout -out "$TMP/jwt.pub"
NOW="$(date +%s)"
H="$(printf '{"alg":"RS256","kid":"soak","typ":"JWT"}' | b64url)"
P="$(printf '{"iss":"soak","aud":"nexus","sub":"soak-user","scope":"read","iat":%d,"exp":%d}' "$NOW" "$((NOW + 86400 * 2))" | b64url)"
S="$(printf '%s.%s' "$H" "$P" | openssl dgst -sha256 -sign "$TMP/jwt.key" | b64url)"
export SOAK_TOKEN="$H.$P.$S"

cat >"$TMP/nexus.yaml" <<EOF
# Generated by bench/soak.sh
server: {host: 127.0.0.1, port: $NEXUS_PORT, event_loops: 1}
admin: {host: 127.0.0.1, port: $ADMIN_PORT}
security:
  jwt:
    issuer: soak
    audience: nexus
    keys:
      - {id: soak, algorithms: [RS256], public_key: $TMP/jwt.pub}
service_routes:
  bare:
    prefix: /bare
    service_url: http://127.0.0.1:$BACKEND_PORT
    rewrite: {prefix: /bench}
  cached:
    prefix: /cached
    service_url: http://127.0.0.1:$BACKEND_PORT
    rewrite: {prefix: /bench}
    cache: {ttl: 5s}
  secure:
    prefix: /secure
    service_url: http://127.0.0.1:$BACKEND_PORT
    rewrite: {prefix: /bench}
    auth: {policy: jwt, scopes: [read]}
    rate_limit:
      client: {rate: 200, per: 1s, burst: 100}
  flaky:
    prefix: /flaky
    service_url: http://127.0.0.1:$SLOW_PORT
    timeout: 200ms
    circuit_breaker: {enabled: false}
    outlier_detection: {enabled: false}
  down:
    prefix: /down
    service_url: http://127.0.0.1:$DEAD_PORT
    circuit_breaker: {enabled: false}
    outlier_detection: {enabled: false}
network_optimization:
  connection_pooling: {min_size: 2, max_size: 100}
cache_strategy:
  distributed_cache:
    secondary: {size: 16mb}
observability:
  metrics: {enabled: true}
  access_log: {enabled: true, path: $TMP/access.log}
  audit_log: {enabled: true, path: $TMP/audit.log}
EOF
cp "$NEXUS_JAR" "$TMP/nexus.jar"
log "Nexus: java $NEXUS_JAVA_OPTS -jar $NEXUS_JAR run (core $PROXY_CPU); load: ~$SOAK_RATE req/s over $SOAK_CONNECTIONS connections for $SOAK_MINUTES min"
# shellcheck disable=SC2086
taskset -c "$PROXY_CPU" java $NEXUS_JAVA_OPTS -jar "$TMP/nexus.jar" run -c "$TMP/nexus.yaml" >"$TMP/nexus.log" 2>&1 </dev/null &
NEXUS_PID=$!
PIDS+=("$NEXUS_PID")
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$NEXUS_PORT/bare/1k" && break
  kill -0 "$NEXUS_PID" 2>/dev/null || break
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$NEXUS_PORT/bare/1k" || { tail -n 30 "$TMP/nexus.log" >&2; die "Nexus did not start"; }
code() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$@" || true; }
log "checks: /secure with token $(code -H "Authorization: Bearer $SOAK_TOKEN" "http://127.0.0.1:$NEXUS_PORT/secure/1k"), without $(code "http://127.0.0.1:$NEXUS_PORT/secure/1k"), /flaky slow $(code "http://127.0.0.1:$NEXUS_PORT/flaky/slow?ms=400"), /flaky/fail $(code "http://127.0.0.1:$NEXUS_PORT/flaky/fail"), /down $(code "http://127.0.0.1:$NEXUS_PORT/down/x"), POST 64k $(head -c 65536 /dev/zero | code -X POST --data-binary @- "http://127.0.0.1:$NEXUS_PORT/bare/1k")"

# wrk paced by its delay(): each connection waits after each answer, for about SOAK_RATE overall.
# The mix's answers take ~6 ms on average (5 % of them wait 20 to 200 ms on /flaky): the delay is
# the rest of each connection's interval.
SOAK_DELAY_MS=$(( SOAK_CONNECTIONS * 1000 / SOAK_RATE - 6 ))
[ "$SOAK_DELAY_MS" -ge 0 ] || SOAK_DELAY_MS=0
export SOAK_DELAY_MS
taskset -c "$BACKEND_CPU" wrk -t 1 -c "$SOAK_CONNECTIONS" -d "${SOAK_MINUTES}m" --timeout 10s -s "$BENCH_DIR/soak.lua" \
  "http://127.0.0.1:$NEXUS_PORT" >"$TMP/wrk.out" 2>&1 </dev/null &
WRK_PID=$!

CLK_TCK="$(getconf CLK_TCK)"
ticks() { awk '{print $14 + $15}' "/proc/$NEXUS_PID/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$NEXUS_PID/status" 2>/dev/null || echo 0; }
CSV="$RESULTS_DIR/soak.csv"
echo "elapsed_s,elapsed_min,requests,req_per_s,status_2xx,status_4xx,status_5xx,heap_used_mb,heap_after_gc_mb,live_data_mb,nonheap_mb,direct_jdk_mb,netty_default_mb,netty_unpooled_mb,netty_total_mb,direct_total_mb,rss_mb,threads,cpu_pct,forced_gc" >"$CSV"
T0="$(date +%s.%N)"; DUR=$(( SOAK_MINUTES * 60 ))
prev_req=0; prev_ticks="$(ticks)"; prev_t=0
k=0
while :; do
  k=$((k + 1))
  target=$(( k * SAMPLE_EVERY ))
  [ "$target" -le "$DUR" ] || break
  now="$(date +%s.%N)"; wait_s="$(awk -v a="$T0" -v b="$now" -v t="$target" 'BEGIN {w = a + t - b; print (w > 0 ? w : 0)}')"
  sleep "$wait_s"
  kill -0 "$NEXUS_PID" 2>/dev/null || { log "Nexus exited during the soak; last lines:"; tail -n 30 "$TMP/nexus.log" >&2; break; }
  forced=0
  if [ "$SOAK_FORCE_GC" = 1 ]; then
    taskset -c "$BACKEND_CPU" "$JCMD" "$NEXUS_PID" GC.run >/dev/null 2>&1 && forced=1
  fi
  m="$(curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" || true)"
  now="$(date +%s.%N)"; el="$(awk -v a="$T0" -v b="$now" 'BEGIN {printf "%.1f", b - a}')"
  t1="$(ticks)"; rss="$(rss_kb)"
  line="$(awk -v el="$el" -v rss="$rss" -v prev_req="$prev_req" -v prev_t="$prev_t" -v dt_ticks=$(( t1 - prev_ticks )) \
      -v hz="$CLK_TCK" -v forced="$forced" '
    function lbl(s, name,   r) { r = s; if (!match(r, name "=\"[^\"]*\"")) return ""; r = substr(r, RSTART + length(name) + 2, RLENGTH - length(name) - 3); return r }
    # Label values may hold spaces (id="Eden Space"): the value is the last field.
    /^#/ { next }
    /^jvm_memory_used_bytes\{/ { if (lbl($0, "area") == "heap") { heap += $NF; if (lbl($0, "id") !~ /Eden/) after += $NF } else nonheap += $NF }
    /^jvm_gc_live_data_size_bytes/ { live = $NF }
    /^jvm_buffer_memory_used_bytes\{/ { if (lbl($0, "id") == "direct") djdk = $NF }
    /^nexus_netty_direct_memory_bytes\{/ { a = lbl($0, "allocator"); if (a == "default") nd = $NF; else if (a == "unpooled") nu = $NF }
    /^nexus_netty_direct_memory_total_bytes/ { nt = $NF; hasnt = 1 }
    /^jvm_threads_live_threads/ { th = $NF }
    /^nexus_requests_total\{/ { req += $NF; s = lbl($0, "status"); st[s] += $NF }
    END {
      mb = 1048576; dt = el - prev_t
      printf "%s,%.2f,%d,%.1f,%d,%d,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%s,%.2f,%.1f,%d,%.1f,%d\n",
        el, el / 60, req, (dt > 0 ? (req - prev_req) / dt : 0), st["2xx"], st["4xx"], st["5xx"],
        heap / mb, after / mb, live / mb, nonheap / mb, djdk / mb, nd / mb, nu / mb,
        (hasnt ? sprintf("%.2f", nt / mb) : ""), (djdk + (hasnt ? nt : 0)) / mb, rss / 1024, th,
        (dt > 0 ? dt_ticks / hz / dt * 100 : 0), forced
    }' <<<"$m")"
  echo "$line" >>"$CSV"
  IFS=, read -r _ _ prev_req _ <<<"$line"; prev_t="$el"; prev_ticks="$t1"
  # The logs are not what is measured: keep the disk out of it.
  : >"$TMP/access.log"; : >"$TMP/audit.log"
  if [ $(( target % 60 )) -lt "$SAMPLE_EVERY" ]; then
    log "$(awk -F, '{printf "%.1f min: %d requests (%.0f/s), heap after GC %.1f MB, direct %.1f MB (Netty default allocator %.1f MB), RSS %.1f MB, CPU %.0f%%", $2, $3, $4, $9, $16, $13, $17, $19}' <<<"$line")"
  fi
done
[ -n "$WRK_PID" ] && { wait "$WRK_PID" 2>/dev/null || true; WRK_PID=""; }

RAW="$RESULTS_DIR/soak-raw"; rm -rf "$RAW"; mkdir -p "$RAW"
cp "$TMP/nexus.yaml" "$TMP/nexus.log" "$TMP/wrk.out" "$BENCH_DIR/soak.lua" "$RAW/" 2>/dev/null || true
LAST="$(curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" || true)"
printf '%s\n' "$LAST" >"$RAW/metrics-end.txt"
STATUS="$(awk '/^nexus_requests_total\{/ { match($1, /status="[^"]*"/); s = substr($1, RSTART + 8, RLENGTH - 9); n[s] += $2 }
  END { for (s in n) printf "%s %d, ", s, n[s] }' <<<"$LAST" | sed 's/, $//')"
CODES="$(awk '/^nexus_request_errors_total\{/ { match($1, /code="[^"]*"/); c = substr($1, RSTART + 6, RLENGTH - 7); n[c] += $2 }
  END { for (c in n) if (n[c] > 0) printf "%s %d, ", c, n[c] }' <<<"$LAST" | sed 's/, $//')"
WRK_SUMMARY="$(grep -E 'requests in|Socket errors|Non-2xx' "$TMP/wrk.out" | sed 's/^ *//' | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
LOG_ERRORS="$(grep -c ' ERROR ' "$TMP/nexus.log" || true)"

# ---------------------------------------------------------------- verdict
# Least squares over the second half: slope (MB per 10 min) and growth over the half relative to the
# line's value at mid-run.
trend() {  # csv column -> "slope_mb_per_10min growth_mb growth_pct samples mid_mb"
  awk -F, -v col="$1" -v dur="$DUR" 'NR > 1 && $1 >= dur / 2 && $col != "" {
      x = $1; y = $col; n++; sx += x; sy += y; sxx += x * x; sxy += x * y; last = x }
    END {
      if (n < 3) { print "- - - " n " -"; exit }
      d = n * sxx - sx * sx; b = (d != 0) ? (n * sxy - sx * sy) / d : 0; a = (sy - b * sx) / n
      mid = a + b * dur / 2; g = b * (last - dur / 2)
      printf "%.3f %.3f %.2f %d %.2f\n", b * 600, g, (mid > 0 ? g / mid * 100 : 0), n, mid }' "$CSV"
}
judge() {  # growth_mb growth_pct -> pass/FAIL/n/a
  [ "$1" = - ] && { echo "n/a (too few samples)"; return; }
  awk -v g="$1" -v p="$2" -v maxp="$SOAK_MAX_GROWTH" -v noise="$SOAK_NOISE_MB" 'BEGIN { print (p < maxp || g < noise) ? "pass" : "FAIL" }'
}
read -r H_SLOPE H_GROWTH H_PCT H_N H_MID <<<"$(trend 9)"
read -r D_SLOPE D_GROWTH D_PCT D_N D_MID <<<"$(trend 16)"
read -r R_SLOPE R_GROWTH R_PCT R_N R_MID <<<"$(trend 17)"
read -r N_SLOPE N_GROWTH N_PCT N_N N_MID <<<"$(trend 13)"
H_V="$(judge "$H_GROWTH" "$H_PCT")"; D_V="$(judge "$D_GROWTH" "$D_PCT")"
VERDICT="soak verdict ($SOAK_MINUTES min, second half): heap after GC ${H_SLOPE} MB/10 min, growth ${H_GROWTH} MB (${H_PCT} % of ${H_MID} MB) $H_V; direct memory ${D_SLOPE} MB/10 min, growth ${D_GROWTH} MB (${D_PCT} %) $D_V; RSS ${R_SLOPE} MB/10 min (not judged); threshold: growth < ${SOAK_MAX_GROWTH} % or < ${SOAK_NOISE_MB} MB"

{
  echo "# Nexus soak, $(date -u +%Y-%m-%dT%H:%M:%SZ) (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))"
  echo
  [ "$SOAK_MINUTES" -lt 30 ] && echo "**Short run ($SOAK_MINUTES min): a smoke test of the soak; the verdict needs the 30-minute run.**" && echo
  echo "$SOAK_MINUTES min of mixed load (bench/soak.lua: bare proxy GETs and POSTs of 1k/16k/64k, 256k responses, cache hits/misses/invalidations, JWT + rate limit with 429s and 401s, 502/504 from a failing service, 404s), ~$SOAK_RATE req/s over $SOAK_CONNECTIONS connections; one Nexus (\`$NEXUS_JAVA_OPTS\`, event_loops 1) on core $PROXY_CPU; a sample every $SAMPLE_EVERY s$( [ "$SOAK_FORCE_GC" = 1 ] && echo ", each after a full GC (jcmd GC.run)")."
  echo
  echo "| series (second half) | at mid-run MB | slope MB / 10 min | growth MB | growth % | verdict |"
  echo "|---|---:|---:|---:|---:|---|"
  echo "| heap after GC | $H_MID | $H_SLOPE | $H_GROWTH | $H_PCT | $H_V |"
  echo "| direct memory (JDK direct buffers + Netty no-cleaner) | $D_MID | $D_SLOPE | $D_GROWTH | $D_PCT | $D_V |"
  echo "| Netty default allocator (its chunks) | $N_MID | $N_SLOPE | $N_GROWTH | $N_PCT | (shown) |"
  echo "| RSS | $R_MID | $R_SLOPE | $R_GROWTH | $R_PCT | (shown) |"
  echo
  echo "Threshold: growth along the least-squares line over the second half < $SOAK_MAX_GROWTH % of its mid-run value, or < $SOAK_NOISE_MB MB."
  echo
  echo "Rate reached: $(awk -F, 'NR > 1 {n = $3; t = $1} END {if (t > 0) printf "%.0f", n / t}' "$CSV") req/s on average. Requests answered by Nexus, by status class: $STATUS. Gateway errors by code: ${CODES:-none}."
  echo "wrk: $WRK_SUMMARY. Nexus log ERROR lines: ${LOG_ERRORS:-0}."
  echo
  [ "$PLOTS" = 1 ] && echo "![soak](soak.png)"
  echo
  echo "$VERDICT"
} >"$RESULTS_DIR/soak.md"

if [ "$PLOTS" = 1 ]; then
  cat >"$TMP/soak.gp" <<EOF
set terminal pngcairo size 1000,760 font 'sans,10' noenhanced
set output '$RESULTS_DIR/soak.png'
set datafile separator ','
set multiplot layout 2,1 title "Nexus soak: $SOAK_MINUTES min of mixed load at ~$SOAK_RATE req/s (samples every $SAMPLE_EVERY s$( [ "$SOAK_FORCE_GC" = 1 ] && echo ', each after a full GC'))\\nheap after GC: $H_V, direct memory: $D_V (second half: growth < $SOAK_MAX_GROWTH % or < $SOAK_NOISE_MB MB)"
set grid; set key outside right top; set xlabel 'minutes'; set ylabel 'MB'; set yrange [0:*]
set lmargin at screen 0.08; set rmargin at screen 0.70
set arrow from $(awk -v d="$DUR" 'BEGIN {print d / 120}'), graph 0 to $(awk -v d="$DUR" 'BEGIN {print d / 120}'), graph 1 nohead dt 3 lc rgb '#999999'
set title 'heap and direct memory'
plot '$CSV' using 2:9 skip 1 with lines lw 2 lc rgb '#1f77b4' title 'heap after GC', \\
     '$CSV' using 2:8 skip 1 with lines lw 1 dt 2 lc rgb '#1f77b4' title 'heap used', \\
     '$CSV' using 2:16 skip 1 with lines lw 2 lc rgb '#d62728' title 'direct (JDK + Netty no-cleaner)', \\
     '$CSV' using 2:13 skip 1 with lines lw 1 lc rgb '#ff7f0e' title 'Netty default allocator'
set title 'process'
set y2label 'requests/s'; set y2tics; set y2range [0:*]
plot '$CSV' using 2:17 skip 1 with lines lw 2 lc rgb '#2ca02c' title 'RSS (MB)', \\
     '$CSV' using 2:11 skip 1 with lines lw 1 lc rgb '#9467bd' title 'non-heap (MB)', \\
     '$CSV' using 2:4 skip 1 axes x1y2 with lines lw 1 lc rgb '#888888' title 'requests/s'
unset multiplot
EOF
  gnuplot "$TMP/soak.gp" 2>"$TMP/gnuplot.err" || { log "gnuplot failed:"; cat "$TMP/gnuplot.err" >&2; }
fi
cat "$RESULTS_DIR/soak.md"
log "results: $CSV, $RESULTS_DIR/soak.md$( [ "$PLOTS" = 1 ] && echo ", $RESULTS_DIR/soak.png"), raw in $RAW/"
[ "$H_V" = FAIL ] || [ "$D_V" = FAIL ] && exit 3
exit 0
