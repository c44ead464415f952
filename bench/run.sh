#!/usr/bin/env bash
# Datapunk Nexus benchmark (groundwork): NGINX backend, NGINX proxy and Nexus, measured with wrk.
#
# One run does:
#   1. starts a backend NGINX (1 worker, core 0) serving fixed bodies at /bench/{0,1k,16k,256k};
#   2. starts NGINX as a reverse proxy in front of it (1 worker, core 1, HTTP/1.1 upstream
#      keep-alive 64);
#   3. starts Nexus (java $NEXUS_JAVA_OPTS -jar target/nexus.jar run -c <generated yaml>, core 1,
#      event_loops 1) with one route /bench -> the backend, and measures the time from launching
#      the JVM to the first proxied 200;
#   4. for each target (direct backend, NGINX proxy, Nexus): a wrk warm-up, then a measured wrk run
#      (keep-alive, --latency, wrk on core 0), sampling the proxy's RSS (VmRSS, max) meanwhile;
#   5. prints a table (req/s, p50, p99, RSS, errors) with the Nexus/NGINX ratios and writes it to
#      bench/results/latest.{md,csv,json} (raw wrk output in bench/results/latest-raw/).
# Every process it starts is stopped on exit, including Ctrl-C. Ports are free ephemeral ones.
#
# Options (flags win over environment variables):
#   --duration N      DURATION=N       seconds per measured run              (default 15)
#   --warmup N        WARMUP=N         seconds of warm-up per target, 0 = none (default 5)
#   --connections N   CONNECTIONS=N    wrk connections (keep-alive)           (default 50)
#   --threads N       THREADS=N        wrk threads                            (default 1)
#   --size S          SIZE=S           response body: 0, 1k, 16k or 256k      (default 1k)
#   --rounds N        ROUNDS=N         measure each target N times, alternating targets, and
#                                      report the median per metric (default 1)
#   --quick                            smoke test: DURATION=3 WARMUP=3 (unless given explicitly)
#   --targets LIST    TARGETS=LIST     comma list of direct,nginx,nexus       (default all three)
#   -h, --help
# Other environment variables:
#   NEXUS_JAVA_OPTS   JVM flags for Nexus; default: the one in ./nexus
#   NEXUS_JAR         jar to run (default target/nexus.jar; ./nexus bench builds it)
#   BACKEND_CPU       core for the backend NGINX and wrk (default 0)
#   PROXY_CPU         core for the proxy under test, NGINX or Nexus (default 1)
#   RESULTS_DIR       where results go (default bench/results)
#   NICE=N            run backend, proxies and wrk with nice -n N (e.g. -10 as root, to be less
#                     disturbed by other work on a shared machine; default: not set). With the
#                     kernel's autogroup scheduling (nice only counts inside a session), the
#                     session's autogroup nice is set to N too, and restored on exit.
#   KEEP_TMP=1        keep the temp dir (configs, logs) after the run
#
# Exit status: 0 when the run completed (a target that could not be measured is reported as n/a),
# 1 on a setup failure (missing tools, the NGINX backend or proxy not starting), 2 on bad options.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
log() { printf '%s\n' "bench: $*" >&2; }
die() { log "setup failure: $*"; exit 1; }
bad_option() { log "$*"; echo "try: bench/run.sh --help" >&2; exit 2; }

# ---------------------------------------------------------------- options
QUICK=0
opt_duration="${DURATION:-}"; opt_warmup="${WARMUP:-}"
CONNECTIONS="${CONNECTIONS:-50}"; THREADS="${THREADS:-1}"; SIZE="${SIZE:-1k}"
ROUNDS="${ROUNDS:-1}"; TARGETS="${TARGETS:-direct,nginx,nexus}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --duration|--warmup|--connections|--threads|--size|--rounds|--targets)
      [ $# -ge 2 ] || bad_option "$1 needs a value"
      case "$1" in
        --duration) opt_duration="$2" ;;  --warmup) opt_warmup="$2" ;;
        --connections) CONNECTIONS="$2" ;; --threads) THREADS="$2" ;;
        --size) SIZE="$2" ;; --rounds) ROUNDS="$2" ;; --targets) TARGETS="$2" ;;
      esac
      shift ;;
    --duration=*) opt_duration="${1#*=}" ;; --warmup=*) opt_warmup="${1#*=}" ;;
    --connections=*) CONNECTIONS="${1#*=}" ;; --threads=*) THREADS="${1#*=}" ;;
    --size=*) SIZE="${1#*=}" ;; --rounds=*) ROUNDS="${1#*=}" ;; --targets=*) TARGETS="${1#*=}" ;;
    -h|--help) usage; exit 0 ;;
    *) bad_option "unknown option: $1" ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  DURATION="${opt_duration:-3}"; WARMUP="${opt_warmup:-3}"
else
  DURATION="${opt_duration:-15}"; WARMUP="${opt_warmup:-5}"
fi
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_uint "$DURATION" && [ "$DURATION" -ge 1 ] || bad_option "DURATION must be a whole number of seconds >= 1 (got '$DURATION')"
is_uint "$WARMUP" || bad_option "WARMUP must be a whole number of seconds (got '$WARMUP')"
is_uint "$CONNECTIONS" && [ "$CONNECTIONS" -ge 1 ] || bad_option "CONNECTIONS must be >= 1 (got '$CONNECTIONS')"
is_uint "$THREADS" && [ "$THREADS" -ge 1 ] || bad_option "THREADS must be >= 1 (got '$THREADS')"
is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || bad_option "ROUNDS must be >= 1 (got '$ROUNDS')"
[ "$CONNECTIONS" -ge "$THREADS" ] || bad_option "CONNECTIONS ($CONNECTIONS) must be >= THREADS ($THREADS)"
case "$SIZE" in
  0|0b|0B) SIZE=0; SIZE_BYTES=0 ;;
  1k|1K) SIZE=1k; SIZE_BYTES=1024 ;;
  16k|16K) SIZE=16k; SIZE_BYTES=16384 ;;
  256k|256K) SIZE=256k; SIZE_BYTES=262144 ;;
  *) bad_option "SIZE must be one of 0, 1k, 16k, 256k (got '$SIZE')" ;;
esac
WANT_DIRECT=0; WANT_NGINX=0; WANT_NEXUS=0
IFS=',' read -r -a _targets <<<"$TARGETS"
for t in "${_targets[@]}"; do
  case "$t" in
    direct) WANT_DIRECT=1 ;; nginx) WANT_NGINX=1 ;; nexus) WANT_NEXUS=1 ;;
    "") ;;
    *) bad_option "unknown target '$t' (TARGETS is a comma list of direct,nginx,nexus)" ;;
  esac
done
RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results}"
mkdir -p "$RESULTS_DIR" 2>/dev/null && [ -w "$RESULTS_DIR" ] || die "cannot write results to $RESULTS_DIR (set RESULTS_DIR)"
NEXUS_JAR="${NEXUS_JAR:-$ROOT/target/nexus.jar}"

# NEXUS_JAVA_OPTS: the environment's, else the default declared in ./nexus, else the same literal.
if [ -z "${NEXUS_JAVA_OPTS:-}" ]; then
  NEXUS_JAVA_OPTS="$(sed -n 's/^NEXUS_JAVA_OPTS="\${NEXUS_JAVA_OPTS:-\(.*\)}"[[:space:]]*$/\1/p' "$ROOT/nexus" 2>/dev/null | head -n 1)"
  NEXUS_JAVA_OPTS="${NEXUS_JAVA_OPTS:--XX:+UseSerialGC -Xms96m -Xmx96m -XX:MaxDirectMemorySize=64m -Xss512k}"
fi

# ---------------------------------------------------------------- tools
NGINX_BIN="$(command -v nginx 2>/dev/null || true)"
[ -n "$NGINX_BIN" ] || { [ -x /usr/sbin/nginx ] && NGINX_BIN=/usr/sbin/nginx; }
need_pkgs=()
[ -n "$NGINX_BIN" ] || need_pkgs+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v taskset >/dev/null 2>&1 || need_pkgs+=(util-linux)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need_pkgs[*]} ..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"; } >&2 \
      || die "apt-get install ${need_pkgs[*]} failed"
    NGINX_BIN="$(command -v nginx 2>/dev/null || true)"
    [ -n "$NGINX_BIN" ] || { [ -x /usr/sbin/nginx ] && NGINX_BIN=/usr/sbin/nginx; }
  else
    die "missing ${need_pkgs[*]}: install with sudo apt-get install ${need_pkgs[*]} (or run this as root)"
  fi
fi
[ -n "$NGINX_BIN" ] || die "nginx not found after installing nginx-light"
for t in wrk curl taskset awk sed; do command -v "$t" >/dev/null 2>&1 || die "missing $t"; done
if [ "$WANT_NEXUS" = 1 ] && ! command -v java >/dev/null 2>&1; then
  die "missing java (a Java 17+ runtime, e.g. apt-get install openjdk-17-jre-headless)"
fi

# ---------------------------------------------------------------- cores
NCPU="$(nproc 2>/dev/null || echo 1)"
if [ "$NCPU" -ge 2 ]; then
  BACKEND_CPU="${BACKEND_CPU:-0}"; PROXY_CPU="${PROXY_CPU:-1}"
else
  BACKEND_CPU="${BACKEND_CPU:-0}"; PROXY_CPU="${PROXY_CPU:-0}"
  log "warning: only $NCPU core available; backend, wrk and proxies share core 0 (figures not comparable)"
fi
taskset -c "$BACKEND_CPU" true 2>/dev/null || die "cannot pin to core $BACKEND_CPU (BACKEND_CPU)"
taskset -c "$PROXY_CPU" true 2>/dev/null || die "cannot pin to core $PROXY_CPU (PROXY_CPU)"
# This script and its helpers (curl polls, RSS sampler, awk) stay off the proxy's core.
taskset -cp "$BACKEND_CPU" $$ >/dev/null 2>&1 || log "warning: could not pin the script itself to core $BACKEND_CPU"
PRIO=()
AUTOGROUP_NICE_ORIG=""
if [ -n "${NICE:-}" ] && [ "${NICE}" != 0 ]; then
  [[ "$NICE" =~ ^-?[0-9]+$ ]] || bad_option "NICE must be an integer (got '$NICE')"
  PRIO=(nice -n "$NICE")
  if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo 0)" = 1 ] && [ -w /proc/self/autogroup ]; then
    AUTOGROUP_NICE_ORIG="$(awk '{print $3}' /proc/self/autogroup 2>/dev/null || true)"
    if echo "$NICE" >/proc/self/autogroup 2>/dev/null; then
      log "autogroup scheduling: session nice set to $NICE (was $AUTOGROUP_NICE_ORIG) for the run"
    else
      AUTOGROUP_NICE_ORIG=""; log "warning: could not set the autogroup nice; NICE only orders our own processes"
    fi
  fi
fi

# ---------------------------------------------------------------- processes and cleanup
TMP="$(mktemp -d "${TMPDIR:-/tmp}/nexus-bench.XXXXXX")"
# NGINX workers run as 'nobody' when started by root: they must be able to read the bodies.
chmod 755 "$TMP"
STARTED_PIDS=()      # every long-running process we started (nginx masters and workers, java)
SAMPLER_PID=""
WRK_PID=""
cleanup() {
  local rc=$? pid alive
  trap - EXIT INT TERM
  [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null || true
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  if [ ${#STARTED_PIDS[@]} -gt 0 ]; then
    for pid in "${STARTED_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
      alive=0
      for pid in "${STARTED_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    for pid in "${STARTED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then log "temp dir kept: $TMP"; else rm -rf "$TMP"; fi
  [ -n "${AUTOGROUP_NICE_ORIG:-}" ] && { echo "$AUTOGROUP_NICE_ORIG" >/proc/self/autogroup 2>/dev/null || true; }
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

children_of() {  # PIDs whose parent is $1
  if command -v pgrep >/dev/null 2>&1; then pgrep -P "$1" || true; return; fi
  local parent="$1" f st rest
  for f in /proc/[0-9]*/stat; do
    st="$(cat "$f" 2>/dev/null)" || continue
    rest="${st##*) }"; rest="${rest#* }"   # fields after "pid (comm) state"
    [ "${rest%% *}" = "$parent" ] && { f="${f#/proc/}"; echo "${f%/stat}"; }
  done
}

free_ports() {  # N free loopback TCP ports, space-separated
  local n="$1"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$n" <<'PY' && return 0
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
  fi
  # Fallback: probe random ports below the kernel's ephemeral range for one nobody listens on.
  local found=() p tries=0
  while [ ${#found[@]} -lt "$n" ] && [ $tries -lt 500 ]; do
    tries=$((tries + 1)); p=$((20000 + RANDOM % 12000))
    [[ " ${found[*]} " == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then found+=("$p"); fi
  done
  [ ${#found[@]} -eq "$n" ] || return 1
  echo "${found[*]}"
}

now_ms() { local t="$EPOCHREALTIME"; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }

http_code() { curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$1" 2>/dev/null || true; }

wait_for_200() {  # URL timeout_s; polls every ~10 ms; returns 0 on a 200
  local url="$1" deadline=$(( $(now_ms) + $2 * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    [ "$(http_code "$url")" = 200 ] && return 0
    sleep 0.01
  done
  return 1
}

render() {  # template out KEY=VALUE...
  local tmpl="$1" out="$2" kv expr=()
  shift 2
  for kv in "$@"; do expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${expr[@]}" "$tmpl" >"$out"
}

start_nginx() {  # name conf core -> sets NGINX_MASTER, NGINX_WORKER
  local name="$1" conf="$2" core="$3"
  "$NGINX_BIN" -t -q -p "$TMP/" -e "$TMP/$name-error.log" -c "$conf" 2>"$TMP/$name-test.log" \
    || { cat "$TMP/$name-test.log" >&2; die "nginx $name config test failed ($conf)"; }
  taskset -c "$core" ${PRIO[@]+"${PRIO[@]}"} "$NGINX_BIN" -p "$TMP/" -e "$TMP/$name-error.log" -c "$conf" \
    >"$TMP/$name-stdout.log" 2>&1 </dev/null &
  NGINX_MASTER=$!
  STARTED_PIDS+=("$NGINX_MASTER")
  NGINX_WORKER=""
  for _ in $(seq 1 200); do
    kill -0 "$NGINX_MASTER" 2>/dev/null || break
    NGINX_WORKER="$(children_of "$NGINX_MASTER" | head -n 1)"
    [ -n "$NGINX_WORKER" ] && break
    sleep 0.02
  done
  if [ -z "$NGINX_WORKER" ]; then
    cat "$TMP/$name-stdout.log" "$TMP/$name-error.log" >&2 2>/dev/null || true
    die "nginx $name did not start"
  fi
  STARTED_PIDS+=("$NGINX_WORKER")
}

stop_pid() {  # pid: TERM, wait up to 5 s, KILL
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"
proc_ticks() {  # pid -> utime+stime of the process (all threads), in clock ticks
  local st rest
  st="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  rest="${st##*) }"
  # shellcheck disable=SC2086
  set -- $rest   # state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  echo $(( ${12} + ${13} ))
}
core_ticks() {  # core -> "busy total" ticks from /proc/stat
  awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat
}

start_sampler() {  # pid outfile: writes the max VmRSS (kB) seen, every 200 ms, pinned to the wrk core
  local pid="$1" out="$2"
  (
    taskset -cp "$BACKEND_CPU" "$BASHPID" >/dev/null 2>&1 || true
    max=0
    while kill -0 "$pid" 2>/dev/null; do
      v=0
      while read -r k val _; do [ "$k" = "VmRSS:" ] && { v="$val"; break; }; done <"/proc/$pid/status" 2>/dev/null || true
      [ "${v:-0}" -gt "$max" ] && { max="$v"; echo "$max" >"$out"; }
      sleep 0.2
    done
  ) &
  SAMPLER_PID=$!
}
stop_sampler() { [ -n "$SAMPLER_PID" ] && { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; }; SAMPLER_PID=""; }

# ---------------------------------------------------------------- wrk
to_ms() {  # wrk duration like 812.00us, 1.23ms, 2.01s, 1.00m -> ms
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    else if (u == "h") n *= 3600000; else if (u != "ms") { print ""; exit }
    printf "%.3f", n }'
}

run_wrk() {  # url seconds outfile; in the background so that a signal interrupts the wait at once
  taskset -c "$BACKEND_CPU" ${PRIO[@]+"${PRIO[@]}"} wrk -t "$THREADS" -c "$CONNECTIONS" -d "${2}s" --latency "$1" >"$3" 2>&1 </dev/null &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=""
}

# Parses a wrk --latency output into: rps p50_ms p99_ms requests non2xx socket_errors
parse_wrk() {
  local f="$1" rps p50 p99 req non2xx sock
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$f")"
  p50="$(awk '$1 == "50%" {print $2; exit}' "$f")"
  p99="$(awk '$1 == "99%" {print $2; exit}' "$f")"
  req="$(awk '/ requests in / {print $1; exit}' "$f")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")"
  sock="$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$f")"
  [ -n "$p50" ] && p50="$(to_ms "$p50")"
  [ -n "$p99" ] && p99="$(to_ms "$p99")"
  echo "${rps:-} ${p50:-} ${p99:-} ${req:-0} ${non2xx:-0} ${sock:-0}"
}

# ---------------------------------------------------------------- backend bodies
WWW="$TMP/www"
mkdir -p "$WWW/bench"
: >"$WWW/bench/0"
head -c 1024 /dev/zero | tr '\0' 'x' >"$WWW/bench/1k"
head -c 16384 /dev/zero | tr '\0' 'x' >"$WWW/bench/16k"
head -c 262144 /dev/zero | tr '\0' 'x' >"$WWW/bench/256k"
chmod -R a+rX "$WWW"
PATH_UNDER_TEST="/bench/$SIZE"

read -r BACKEND_PORT PROXY_PORT NEXUS_PORT ADMIN_PORT <<<"$(free_ports 4)" || die "no free ports"
[ -n "${ADMIN_PORT:-}" ] || die "could not pick free ports"

log "temp dir $TMP; backend/wrk on core $BACKEND_CPU, proxy under test on core $PROXY_CPU"
log "size $SIZE ($SIZE_BYTES B), $CONNECTIONS connections, $THREADS wrk thread(s), warm-up ${WARMUP}s, runs ${DURATION}s x $ROUNDS round(s)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- 1. backend
render "$BENCH_DIR/nginx/backend.conf.tmpl" "$TMP/backend.conf" "TMP=$TMP" "WWW=$WWW" "PORT=$BACKEND_PORT"
start_nginx backend "$TMP/backend.conf" "$BACKEND_CPU"
BACKEND_MASTER="$NGINX_MASTER"; BACKEND_WORKER="$NGINX_WORKER"
DIRECT_URL="http://127.0.0.1:$BACKEND_PORT$PATH_UNDER_TEST"
wait_for_200 "$DIRECT_URL" 10 || { cat "$TMP/backend-error.log" >&2; die "backend NGINX does not answer 200 at $DIRECT_URL"; }
log "backend NGINX: pid $BACKEND_MASTER (worker $BACKEND_WORKER) on 127.0.0.1:$BACKEND_PORT"

# ---------------------------------------------------------------- 2. NGINX proxy
PROXY_MASTER=""; PROXY_WORKER=""
NGINX_URL="http://127.0.0.1:$PROXY_PORT$PATH_UNDER_TEST"
if [ "$WANT_NGINX" = 1 ]; then
  render "$BENCH_DIR/nginx/proxy.conf.tmpl" "$TMP/proxy.conf" "TMP=$TMP" "PORT=$PROXY_PORT" "BACKEND_PORT=$BACKEND_PORT"
  start_nginx proxy "$TMP/proxy.conf" "$PROXY_CPU"
  PROXY_MASTER="$NGINX_MASTER"; PROXY_WORKER="$NGINX_WORKER"
  wait_for_200 "$NGINX_URL" 10 || { cat "$TMP/proxy-error.log" >&2; die "NGINX proxy does not answer 200 at $NGINX_URL"; }
  log "NGINX proxy: pid $PROXY_MASTER (worker $PROXY_WORKER) on 127.0.0.1:$PROXY_PORT"
fi

# ---------------------------------------------------------------- 3. Nexus
NEXUS_PID=""; NEXUS_START_MS=""; NEXUS_NOTE=""
NEXUS_URL="http://127.0.0.1:$NEXUS_PORT$PATH_UNDER_TEST"
if [ "$WANT_NEXUS" = 1 ]; then
  cat >"$TMP/nexus.yaml" <<EOF
# Generated by bench/run.sh
server:
  host: 127.0.0.1
  port: $NEXUS_PORT
  event_loops: 1
admin:
  host: 127.0.0.1
  port: $ADMIN_PORT
service_routes:
  bench:
    prefix: /bench
    strip_prefix: false
    service_url: http://127.0.0.1:$BACKEND_PORT
    timeout: 30
network_optimization:
  connection_pooling:
    min_size: 10
    max_size: 100
# The bare route: the proxy path alone (issue 9's "bare route"); metrics and the access log are
# measured on their own by bench/observability-overhead.sh.
observability:
  metrics: {enabled: false}
  access_log: {enabled: false}
EOF
  if [ ! -f "$NEXUS_JAR" ]; then
    NEXUS_NOTE="jar missing: $NEXUS_JAR (run ./nexus bench, or ./mvnw -DskipTests package)"
    log "warning: $NEXUS_NOTE; Nexus is not measured"
  else
    # Run a private copy: a concurrent rebuild replacing target/nexus.jar under a running JVM makes
    # its lazy class loading fail (NoClassDefFoundError) in the middle of the run.
    cp "$NEXUS_JAR" "$TMP/nexus.jar" || die "cannot copy $NEXUS_JAR"
    # Class-data sharing, as ./nexus does: one training start of this jar copy records the classes a
    # gateway loads up to its first proxied answer; the measured start maps them (NEXUS_CDS=0: off).
    if [ "${NEXUS_CDS:-1}" = 1 ]; then
      # shellcheck disable=SC2086
      taskset -c "$PROXY_CPU" java $NEXUS_JAVA_OPTS -XX:ArchiveClassesAtExit="$TMP/nexus.jsa" -jar "$TMP/nexus.jar" \
        run -c "$TMP/nexus.yaml" >"$TMP/nexus-cds.log" 2>&1 </dev/null &
      cds_pid=$!
      for _ in $(seq 1 600); do
        [ "$(http_code "$NEXUS_URL")" = 200 ] && break
        kill -0 "$cds_pid" 2>/dev/null || break
        sleep 0.05
      done
      kill -TERM "$cds_pid" 2>/dev/null; wait "$cds_pid" 2>/dev/null || true
      if [ -s "$TMP/nexus.jsa" ]; then
        NEXUS_JAVA_OPTS="$NEXUS_JAVA_OPTS -XX:SharedArchiveFile=$TMP/nexus.jsa"
      else
        log "warning: no class-data archive was written; Nexus starts without it"
      fi
    fi
    log "Nexus: java $NEXUS_JAVA_OPTS -jar $NEXUS_JAR run -c $TMP/nexus.yaml (core $PROXY_CPU)"
    t0="$(now_ms)"
    # shellcheck disable=SC2086
    taskset -c "$PROXY_CPU" ${PRIO[@]+"${PRIO[@]}"} java $NEXUS_JAVA_OPTS -jar "$TMP/nexus.jar" run -c "$TMP/nexus.yaml" \
      >"$TMP/nexus.log" 2>&1 </dev/null &
    NEXUS_PID=$!
    STARTED_PIDS+=("$NEXUS_PID")
    started=0
    deadline=$(( t0 + 60000 ))
    while [ "$(now_ms)" -lt "$deadline" ]; do
      if [ "$(http_code "$NEXUS_URL")" = 200 ]; then started=1; break; fi
      kill -0 "$NEXUS_PID" 2>/dev/null || break
      sleep 0.01
    done
    if [ "$started" = 1 ]; then
      NEXUS_START_MS=$(( $(now_ms) - t0 ))
      log "Nexus: pid $NEXUS_PID on 127.0.0.1:$NEXUS_PORT, first proxied 200 after ${NEXUS_START_MS} ms"
    else
      if kill -0 "$NEXUS_PID" 2>/dev/null; then NEXUS_NOTE="no 200 within 60 s"; else NEXUS_NOTE="exited during start"; fi
      log "warning: Nexus $NEXUS_NOTE; last lines of its log:"
      tail -n 30 "$TMP/nexus.log" >&2 || true
      stop_pid "$NEXUS_PID"; NEXUS_PID=""
    fi
  fi
fi

# ---------------------------------------------------------------- 4. load
mkdir -p "$RESULTS_DIR"
RAW_DIR="$RESULTS_DIR/latest-raw"
rm -rf "$RAW_DIR"; mkdir -p "$RAW_DIR"
cp "$TMP/backend.conf" "$RAW_DIR/" 2>/dev/null || true
[ -f "$TMP/proxy.conf" ] && cp "$TMP/proxy.conf" "$RAW_DIR/"
[ -f "$TMP/nexus.yaml" ] && cp "$TMP/nexus.yaml" "$RAW_DIR/"

# target -> "url pid-to-sample"; measured rows collected per round in ROUND_<target> (space lists)
TARGET_LIST=()
[ "$WANT_DIRECT" = 1 ] && TARGET_LIST+=(direct)
[ "$WANT_NGINX" = 1 ] && TARGET_LIST+=(nginx)
[ "$WANT_NEXUS" = 1 ] && TARGET_LIST+=(nexus)
declare -A URL=([direct]="$DIRECT_URL" [nginx]="$NGINX_URL" [nexus]="$NEXUS_URL")
declare -A RSS_PID=([direct]="$BACKEND_WORKER" [nginx]="$PROXY_WORKER" [nexus]="$NEXUS_PID")
declare -A LABEL=([direct]="direct (NGINX backend)" [nginx]="NGINX proxy" [nexus]="Nexus")
declare -A CORE=([direct]="$BACKEND_CPU" [nginx]="$PROXY_CPU" [nexus]="$PROXY_CPU")
declare -A RPS_L P50_L P99_L RSS_L CPU_L OTHER_L CPU10K_L REQ_L NON2XX_L SOCK_L NOTE
for t in "${TARGET_LIST[@]}"; do
  RPS_L[$t]=""; P50_L[$t]=""; P99_L[$t]=""; RSS_L[$t]=""; CPU_L[$t]=""; OTHER_L[$t]=""; CPU10K_L[$t]=""
  REQ_L[$t]=0; NON2XX_L[$t]=0; SOCK_L[$t]=0; NOTE[$t]=""
done
[ "$WANT_NEXUS" = 1 ] && [ -z "$NEXUS_PID" ] && NOTE[nexus]="$NEXUS_NOTE"

available() {  # target is up and answers with the right body size
  local t="$1"
  [ -z "${NOTE[$t]}" ] || return 1
  kill -0 "$BACKEND_WORKER" 2>/dev/null || { NOTE[$t]="backend gone"; return 1; }
  [ -n "${RSS_PID[$t]}" ] && kill -0 "${RSS_PID[$t]}" 2>/dev/null || { NOTE[$t]="process gone"; return 1; }
  return 0
}

for t in "${TARGET_LIST[@]}"; do
  available "$t" || continue
  got="$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{size_download}' "${URL[$t]}" 2>/dev/null || true)"
  if [ "$got" != "200 $SIZE_BYTES" ]; then
    log "warning: ${LABEL[$t]} answered '$got' (want '200 $SIZE_BYTES') at ${URL[$t]}"
  fi
done

for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGET_LIST[@]}"; do
    available "$t" || continue
    if [ "$round" = 1 ] && [ "$WARMUP" -gt 0 ]; then
      log "warm-up  ${LABEL[$t]}: ${WARMUP}s"
      run_wrk "${URL[$t]}" "$WARMUP" "$RAW_DIR/$t-warmup.txt"
    fi
    log "measure  ${LABEL[$t]}: ${DURATION}s (round $round/$ROUNDS)"
    rssfile="$TMP/rss-$t-$round"
    echo 0 >"$rssfile"
    start_sampler "${RSS_PID[$t]}" "$rssfile"
    p0="$(proc_ticks "${RSS_PID[$t]}")"; read -r b0 c0 <<<"$(core_ticks "${CORE[$t]}")"
    run_wrk "${URL[$t]}" "$DURATION" "$RAW_DIR/$t-run$round.txt"
    p1="$(proc_ticks "${RSS_PID[$t]}")"; read -r b1 c1 <<<"$(core_ticks "${CORE[$t]}")"
    stop_sampler
    read -r rps p50 p99 req non2xx sock <<<"$(parse_wrk "$RAW_DIR/$t-run$round.txt")" || true
    if [ -z "${rps:-}" ] || [ -z "${p99:-}" ]; then
      log "warning: could not parse wrk output for ${LABEL[$t]}:"; sed 's/^/  /' "$RAW_DIR/$t-run$round.txt" >&2
      continue
    fi
    RPS_L[$t]+="$rps "; P50_L[$t]+="$p50 "; P99_L[$t]+="$p99 "
    RSS_L[$t]+="$(cat "$rssfile") "
    # CPU of the target process as % of its core over the run; for proxies also the rest of that
    # core's busy time (other processes, and interrupts): noise from other work on the machine.
    read -r cpu other cpu10k <<<"$(awk -v dp=$((p1 - p0)) -v db=$((b1 - b0)) -v dt=$((c1 - c0)) -v r="$req" -v hz="$CLK_TCK" 'BEGIN {
      if (dt <= 0) { print "- - -"; exit }
      o = (db - dp) / dt * 100; if (o < 0) o = 0
      printf "%.1f %.1f %s\n", dp / dt * 100, o, (r > 0 ? sprintf("%.4f", dp / hz / r * 10000) : "-") }')" || true
    [ "${cpu:--}" != - ] && CPU_L[$t]+="$cpu "
    [ "${cpu10k:--}" != - ] && CPU10K_L[$t]+="$cpu10k "
    [ "$t" != direct ] && [ "${other:--}" != - ] && OTHER_L[$t]+="$other "
    REQ_L[$t]=$(( ${REQ_L[$t]} + req )); NON2XX_L[$t]=$(( ${NON2XX_L[$t]} + non2xx )); SOCK_L[$t]=$(( ${SOCK_L[$t]} + sock ))
    log "         ${LABEL[$t]}: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, socket errors $sock, CPU ${cpu:-?}%$( [ "$t" != direct ] && echo ", other load on core ${CORE[$t]} ${other:-?}%")"
  done
done
if [ -n "$NEXUS_PID" ] && ! kill -0 "$NEXUS_PID" 2>/dev/null; then
  log "warning: Nexus exited during the run; last lines of its log:"; tail -n 30 "$TMP/nexus.log" >&2 || true
fi
NEXUS_LOG_ERRORS=""; NEXUS_LOG_WARNS=""
if [ -f "$TMP/nexus.log" ]; then
  NEXUS_LOG_ERRORS="$(grep -c ' ERROR ' "$TMP/nexus.log" || true)"
  NEXUS_LOG_WARNS="$(grep -c ' WARN ' "$TMP/nexus.log" || true)"
  if [ "${NEXUS_LOG_ERRORS:-0}" != 0 ] || [ "${NEXUS_LOG_WARNS:-0}" != 0 ]; then
    log "note: Nexus logged $NEXUS_LOG_ERRORS ERROR and $NEXUS_LOG_WARNS WARN lines (see $RAW_DIR/nexus.log); most frequent:"
    grep -E ' (ERROR|WARN) ' "$TMP/nexus.log" | cut -d' ' -f2- | sort | uniq -c | sort -rn | head -n 5 >&2 || true
  fi
fi
[ -f "$TMP/nexus.log" ] && cp "$TMP/nexus.log" "$RAW_DIR/"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- 5. report
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[++n] = $1} END { if (!n) exit; if (n % 2) printf "%s", v[(n+1)/2]; else printf "%.3f", (v[n/2] + v[n/2+1]) / 2 }'; }
maxof() { tr ' ' '\n' | awk 'NF && ($1 + 0 > m || !s) {m = $1 + 0; s = 1} END { if (s) printf "%s", m }'; }
fmt() { [ -n "$2" ] && awk -v v="$2" -v f="$1" 'BEGIN {printf f, v}' || printf 'n/a'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b }' || true; }

declare -A RPS P50 P99 RSSMB CPU OTHER CPU10K
for t in "${TARGET_LIST[@]}"; do
  RPS[$t]="$(median <<<"${RPS_L[$t]}")"; P50[$t]="$(median <<<"${P50_L[$t]}")"; P99[$t]="$(median <<<"${P99_L[$t]}")"
  CPU[$t]="$(median <<<"${CPU_L[$t]}")"; OTHER[$t]="$(median <<<"${OTHER_L[$t]}")"; CPU10K[$t]="$(median <<<"${CPU10K_L[$t]}")"
  rkb="$(maxof <<<"${RSS_L[$t]}")"
  RSSMB[$t]="$( [ -n "$rkb" ] && [ "$rkb" != 0 ] && awk -v k="$rkb" 'BEGIN {printf "%.1f", k / 1024}' || true)"
  [ -z "${RPS[$t]}" ] && [ -z "${NOTE[$t]}" ] && NOTE[$t]="no result"
done
R_TPUT="$( [ "$WANT_NGINX" = 1 ] && [ "$WANT_NEXUS" = 1 ] && ratio "${RPS[nexus]}" "${RPS[nginx]}" || true)"
R_P99="$( [ "$WANT_NGINX" = 1 ] && [ "$WANT_NEXUS" = 1 ] && ratio "${P99[nexus]}" "${P99[nginx]}" || true)"
# Requests per CPU second, Nexus over NGINX: less sensitive to other load on the proxy core.
R_EFF="$( [ "$WANT_NGINX" = 1 ] && [ "$WANT_NEXUS" = 1 ] && ratio "${CPU10K[nginx]}" "${CPU10K[nexus]}" || true)"
NEXUS_RSS="$( [ "$WANT_NEXUS" = 1 ] && echo "${RSSMB[nexus]}" || true)"
verdict() {  # value op limit -> "ok"/"MISSED"/""
  [ -n "$1" ] || return 0
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? (v >= l) : (v < l); print ok ? "ok" : "MISSED" }'
}
V_TPUT="$(verdict "$R_TPUT" ">=" 0.8)"; V_P99="$(verdict "$R_P99" "<" 2.0001)"
V_START="$(verdict "$NEXUS_START_MS" "<" 1500)"; V_RSS="$(verdict "$NEXUS_RSS" "<" 200)"

STAMP="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
NGINX_VER="$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')"
JAVA_VER="$(java -version 2>&1 | head -n 1 || true)"
PARAMS="size $SIZE ($SIZE_BYTES B), $CONNECTIONS connections, $THREADS wrk thread(s), warm-up ${WARMUP}s, ${DURATION}s x $ROUNDS round(s); backend+wrk core $BACKEND_CPU, proxy core $PROXY_CPU"

# Console table
{
  echo
  echo "Datapunk Nexus bench  $STAMP  (git $GIT_REV)"
  echo "$PARAMS"
  echo "load average before: $LOAD_BEFORE, after: $LOAD_AFTER"
  printf '%-24s %9s %8s %8s %7s %6s %8s %7s %8s %8s  %s\n' target req/s "p50 ms" "p99 ms" "RSS MB" "CPU %" "CPU s/" "other %" non-2xx sock-err note
  printf '%-24s %9s %8s %8s %7s %6s %8s %7s %8s %8s\n' "" "" "" "" "" "" "10k req" "on core" "" ""
  for t in "${TARGET_LIST[@]}"; do
    printf '%-24s %9s %8s %8s %7s %6s %8s %7s %8s %8s  %s\n' "${LABEL[$t]}" "$(fmt '%.0f' "${RPS[$t]}")" \
      "$(fmt '%.2f' "${P50[$t]}")" "$(fmt '%.2f' "${P99[$t]}")" "$(fmt '%.1f' "${RSSMB[$t]}")" \
      "$(fmt '%.0f' "${CPU[$t]}")" "$(fmt '%.3f' "${CPU10K[$t]}")" "$( [ "$t" = direct ] && echo - || fmt '%.0f' "${OTHER[$t]}")" \
      "${NON2XX_L[$t]}" "${SOCK_L[$t]}" "${NOTE[$t]}"
  done
  echo
  printf 'Nexus/NGINX throughput:     %-8s (goal >= 0.8) %s\n' "${R_TPUT:-n/a}" "$V_TPUT"
  printf 'Nexus/NGINX p99:            %-8s (goal <= 2.0) %s\n' "${R_P99:-n/a}" "$V_P99"
  printf 'Nexus/NGINX req per CPU s:  %-8s (throughput ratio if each proxy had its core to itself)\n' "${R_EFF:-n/a}"
  printf 'Nexus start to first 200:   %-8s (goal < 1500 ms) %s\n' "$( [ -n "$NEXUS_START_MS" ] && echo "$NEXUS_START_MS ms" || echo n/a)" "$V_START"
  printf 'Nexus RSS under load:       %-8s (goal < 200 MB) %s\n' "$( [ -n "$NEXUS_RSS" ] && echo "$NEXUS_RSS MB" || echo n/a)" "$V_RSS"
  [ -n "$NEXUS_LOG_ERRORS" ] && echo "Nexus log: $NEXUS_LOG_ERRORS ERROR, $NEXUS_LOG_WARNS WARN lines"
  for t in "${TARGET_LIST[@]}"; do
    [ "$t" != direct ] && [ -n "${OTHER[$t]}" ] && awk -v o="${OTHER[$t]}" 'BEGIN {exit !(o > 10)}' &&
      echo "WARNING: other work took ${OTHER[$t]}% of core $PROXY_CPU during the ${LABEL[$t]} run: its figures are disturbed; re-run on a quieter machine"
  done
  echo "RSS: max VmRSS during the measured run (NGINX: the worker process; Nexus: the JVM). CPU %: that"
  echo "process's CPU time over the run, as % of one core. other %: the rest of the proxy core's busy time"
  echo "(other processes, interrupts); well above a few % means the figures were disturbed."
  echo "Results: $RESULTS_DIR/latest.{md,csv,json}, raw wrk output in $RAW_DIR/"
} | tee "$TMP/table.txt"

# Markdown
{
  echo "# Nexus benchmark, $STAMP (git $GIT_REV)"
  echo
  echo "$PARAMS. Nexus JVM: \`$NEXUS_JAVA_OPTS\`; $JAVA_VER; nginx $NGINX_VER; host load average before $LOAD_BEFORE, after $LOAD_AFTER."
  echo
  echo "| target | req/s | p50 ms | p99 ms | RSS MB | CPU % | CPU s / 10k req | other % on core | non-2xx | socket errors | note |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for t in "${TARGET_LIST[@]}"; do
    echo "| ${LABEL[$t]} | $(fmt '%.0f' "${RPS[$t]}") | $(fmt '%.2f' "${P50[$t]}") | $(fmt '%.2f' "${P99[$t]}") | $(fmt '%.1f' "${RSSMB[$t]}") | $(fmt '%.0f' "${CPU[$t]}") | $(fmt '%.3f' "${CPU10K[$t]}") | $( [ "$t" = direct ] && echo - || fmt '%.0f' "${OTHER[$t]}") | ${NON2XX_L[$t]} | ${SOCK_L[$t]} | ${NOTE[$t]} |"
  done
  echo
  echo "| measure | value | goal (issue 2) | |"
  echo "|---|---:|---|---|"
  echo "| Nexus/NGINX throughput | ${R_TPUT:-n/a} | >= 0.8 | $V_TPUT |"
  echo "| Nexus/NGINX p99 | ${R_P99:-n/a} | <= 2.0 | $V_P99 |"
  echo "| Nexus/NGINX requests per CPU second | ${R_EFF:-n/a} | (>= 0.8 when core-bound) | |"
  echo "| Nexus start to first proxied 200 | ${NEXUS_START_MS:-n/a} ms | < 1500 ms | $V_START |"
  echo "| Nexus RSS under load | ${NEXUS_RSS:-n/a} MB | < 200 MB | $V_RSS |"
  [ -n "$NEXUS_LOG_ERRORS" ] && echo "| Nexus log ERROR / WARN lines | $NEXUS_LOG_ERRORS / $NEXUS_LOG_WARNS | 0 | |"
  echo
  echo "RSS is the maximum VmRSS sampled during the measured run (NGINX: its worker; Nexus: the JVM)."
  echo "CPU % is that process's CPU time as % of one core; other % is the rest of the proxy core's busy"
  echo "time during the run (other processes, interrupts): noise from other work on the machine."
} >"$RESULTS_DIR/latest.md"

# CSV, one line per target
jnum() { [ -n "$1" ] && echo "$1" || echo null; }
{
  echo "target,requests_per_sec,p50_ms,p99_ms,rss_mb,cpu_pct,cpu_s_per_10k,other_pct_on_core,requests,non_2xx,socket_errors,size,connections,duration_s,rounds,note"
  for t in "${TARGET_LIST[@]}"; do
    echo "$t,${RPS[$t]},${P50[$t]},${P99[$t]},${RSSMB[$t]},${CPU[$t]},${CPU10K[$t]},${OTHER[$t]},${REQ_L[$t]},${NON2XX_L[$t]},${SOCK_L[$t]},$SIZE,$CONNECTIONS,$DURATION,$ROUNDS,\"${NOTE[$t]//\"/\'}\""
  done
} >"$RESULTS_DIR/latest.csv"

# JSON: one object, one row per line
{
  echo "{"
  echo "  \"timestamp\": \"$STAMP\", \"git\": \"$GIT_REV\","
  echo "  \"params\": {\"size\": \"$SIZE\", \"size_bytes\": $SIZE_BYTES, \"connections\": $CONNECTIONS, \"threads\": $THREADS, \"warmup_s\": $WARMUP, \"duration_s\": $DURATION, \"rounds\": $ROUNDS, \"backend_cpu\": \"$BACKEND_CPU\", \"proxy_cpu\": \"$PROXY_CPU\", \"nexus_java_opts\": \"$NEXUS_JAVA_OPTS\", \"loadavg_before\": \"$LOAD_BEFORE\", \"loadavg_after\": \"$LOAD_AFTER\"},"
  echo "  \"rows\": ["
  n=0
  for t in "${TARGET_LIST[@]}"; do
    n=$((n + 1)); sep=","; [ "$n" = "${#TARGET_LIST[@]}" ] && sep=""
    echo "    {\"target\": \"$t\", \"requests_per_sec\": $(jnum "${RPS[$t]}"), \"p50_ms\": $(jnum "${P50[$t]}"), \"p99_ms\": $(jnum "${P99[$t]}"), \"rss_mb\": $(jnum "${RSSMB[$t]}"), \"cpu_pct\": $(jnum "${CPU[$t]}"), \"cpu_s_per_10k\": $(jnum "${CPU10K[$t]}"), \"other_pct_on_core\": $(jnum "${OTHER[$t]}"), \"requests\": ${REQ_L[$t]}, \"non_2xx\": ${NON2XX_L[$t]}, \"socket_errors\": ${SOCK_L[$t]}, \"note\": \"${NOTE[$t]//\"/\'}\"}$sep"
  done
  echo "  ],"
  echo "  \"nexus_over_nginx_throughput\": $(jnum "$R_TPUT"), \"nexus_over_nginx_p99\": $(jnum "$R_P99"), \"nexus_over_nginx_requests_per_cpu_s\": $(jnum "$R_EFF"),"
  echo "  \"nexus_start_to_first_200_ms\": $(jnum "$NEXUS_START_MS"), \"nexus_rss_mb\": $(jnum "$NEXUS_RSS"),"
  echo "  \"nexus_log_error_lines\": $(jnum "$NEXUS_LOG_ERRORS"), \"nexus_log_warn_lines\": $(jnum "$NEXUS_LOG_WARNS")"
  echo "}"
} >"$RESULTS_DIR/latest.json"

exit 0
