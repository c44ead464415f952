#!/usr/bin/env bash
# Datapunk Nexus benchmark suite: NGINX and Nexus as reverse proxies on the same machine, same run.
#
# Targets (each proxy alone on PROXY_CPU, the backend and the load generators on BACKEND_CPU):
#   direct       the backend NGINX itself (1 worker) serving /bench/{0,1k,16k,256k}: the ceiling
#   nginx        NGINX as a reverse proxy (1 worker, HTTP/1.1 upstream keep-alive 64)
#   nexus        Nexus, bare route /bench (event_loops 1; metrics and access log off)
#   nexus-full   Nexus, the same route behind the full pipeline: JWT (RS256, key file, token made by
#                this script), a local rate limit that never refuses, metrics on, access log to a file
#   nexus-cache  Nexus, the same route with the response cache on (L1 only, no Redis): every
#                measured request is a hit
# Phases:
#   1. acceptance: 1 KiB x 50 connections (SIZE x CONNECTIONS), closed loop (wrk), every target,
#      after a warm-up per target (Nexus: NEXUS_WARMUP, for the JIT); the goals of issue 9 with pass/
#      fail marks; Nexus's start to first proxied 200 (after an AppCDS training start);
#   2. matrix: SIZES x MATRIX_CONNECTIONS, closed loop (wrk), every target (req/s, p50, p99);
#   3. open loop: bench/loadgen/openloop (compiled with gcc) at FRACTIONS of NGINX's acceptance
#      req/s, OPENLOOP_CONNECTIONS connections, SIZE bodies: latency from the intended send time
#      (no coordinated omission), for nginx, nexus, nexus-full and nexus-cache.
# Every run samples the proxy's max VmRSS and its CPU time (utime+stime from /proc/PID/stat).
# Output: a table on stdout and bench/results/latest.{md,csv,json}, throughput.png (req/s against
# connections per size) and openloop-p99.png (p99 against offered load), with raw outputs, configs
# and logs in bench/results/latest-raw/ (bench/report.sh latest-raw rebuilds the report from them).
#
# Options (flags win over environment variables):
#   --quick                              smoke run, about 3 minutes: short runs, sizes 1k,256k,
#                                        16 and 256 connections, fractions 0.5,0.9
#   --targets LIST      TARGETS=         comma list of the targets above (default all five)
#   --size S            SIZE=            acceptance and open-loop body: 0, 1k, 16k, 256k (1k)
#   --connections N     CONNECTIONS=     acceptance connections (50)
#   --duration N        DURATION=        seconds per acceptance run (15; quick 3)
#   --rounds N          ROUNDS=          acceptance runs per target, alternating, medians (3; quick 1)
#   --warmup N          WARMUP=          warm-up seconds of direct and nginx (5; quick 2)
#   --nexus-warmup N    NEXUS_WARMUP=    warm-up seconds of each Nexus target (30, or --warmup when
#                                        given; quick 5)
#   --warmup-cycles N   WARMUP_CYCLES=   load-generator runs the warm-up is split into, so that the
#                                        client connections close and reopen (3; quick 2)
#   --sizes LIST        SIZES=           matrix sizes (0,1k,16k,256k; quick 1k,256k)
#   --matrix-connections LIST  MATRIX_CONNECTIONS=   matrix connections (16,64,256; quick 16,256)
#   --matrix-duration N MATRIX_DURATION= seconds per matrix point (10; quick 2)
#   --point-warmup N    POINT_WARMUP=    unmeasured seconds before each matrix and open-loop point (2; quick 1)
#   --fractions LIST    FRACTIONS=       open-loop rates as fractions of NGINX's acceptance req/s
#                                        (0.25,0.5,0.75,0.9,1.0; quick 0.5,0.9)
#   --openloop-duration N      OPENLOOP_DURATION=    seconds per open-loop point (10; quick 3)
#   --openloop-connections N   OPENLOOP_CONNECTIONS= open-loop connections (CONNECTIONS)
#   --openloop-targets LIST    OPENLOOP_TARGETS=     (nginx,nexus,nexus-full,nexus-cache)
#   --no-matrix         MATRIX=0         skip phase 2
#   --no-openloop       OPENLOOP=0       skip phase 3
#   --no-plots          PLOTS=0          no PNGs (they need gnuplot; installed with apt-get as root)
#   --threads N         THREADS=         wrk threads (1)
#   -h, --help
# Other environment variables:
#   NEXUS_JAVA_OPTS   JVM flags for Nexus; default: the one in ./nexus
#   NEXUS_JAR         jar to run (default target/nexus.jar; ./nexus bench builds it)
#   NEXUS_CDS=0       measure the start without the class-data archive
#   OPENLOOP_PEAK     req/s the fractions apply to when nginx is not among the targets
#   BACKEND_CPU       core for the backend NGINX, wrk and openloop (default 0)
#   PROXY_CPU         core for the proxies under test (default 1)
#   RESULTS_DIR       where results go (default bench/results)
#   NICE=N            run backend, proxies and load generators with nice -n N (e.g. -10 as root);
#                     with autogroup scheduling the session's autogroup nice is set too, and restored
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
ALL_TARGETS="direct,nginx,nexus,nexus-full,nexus-cache"
o_duration="${DURATION:-}"; o_warmup="${WARMUP:-}"; o_nexus_warmup="${NEXUS_WARMUP:-}"; o_cycles="${WARMUP_CYCLES:-}"
o_sizes="${SIZES:-}"; o_mconns="${MATRIX_CONNECTIONS:-}"; o_mduration="${MATRIX_DURATION:-}"
o_pwarmup="${POINT_WARMUP:-}"; o_fractions="${FRACTIONS:-}"; o_oduration="${OPENLOOP_DURATION:-}"
CONNECTIONS="${CONNECTIONS:-50}"; THREADS="${THREADS:-1}"; SIZE="${SIZE:-1k}"
ROUNDS="${ROUNDS:-}"; TARGETS="${TARGETS:-$ALL_TARGETS}"
OPENLOOP_CONNECTIONS="${OPENLOOP_CONNECTIONS:-}"; OPENLOOP_TARGETS="${OPENLOOP_TARGETS:-nginx,nexus,nexus-full,nexus-cache}"
MATRIX="${MATRIX:-1}"; OPENLOOP="${OPENLOOP:-1}"; PLOTS="${PLOTS:-1}"
while [ $# -gt 0 ]; do
  arg="$1"; val=""
  case "$arg" in
    --*=*) val="${arg#*=}"; arg="${arg%%=*}" ;;
  esac
  case "$arg" in
    --quick) QUICK=1 ;;
    --no-matrix) MATRIX=0 ;;
    --no-openloop) OPENLOOP=0 ;;
    --no-plots) PLOTS=0 ;;
    -h|--help) usage; exit 0 ;;
    --duration|--warmup|--nexus-warmup|--warmup-cycles|--connections|--threads|--size|--rounds|--targets|--sizes|\
    --matrix-connections|--matrix-duration|--point-warmup|--fractions|--openloop-duration|\
    --openloop-connections|--openloop-targets)
      if [ -z "$val" ] && [[ "$1" != *=* ]]; then
        [ $# -ge 2 ] || bad_option "$arg needs a value"
        val="$2"; shift
      fi
      case "$arg" in
        --duration) o_duration="$val" ;; --warmup) o_warmup="$val" ;; --nexus-warmup) o_nexus_warmup="$val" ;;
        --warmup-cycles) o_cycles="$val" ;;
        --connections) CONNECTIONS="$val" ;; --threads) THREADS="$val" ;; --size) SIZE="$val" ;;
        --rounds) ROUNDS="$val" ;; --targets) TARGETS="$val" ;; --sizes) o_sizes="$val" ;;
        --matrix-connections) o_mconns="$val" ;; --matrix-duration) o_mduration="$val" ;;
        --point-warmup) o_pwarmup="$val" ;; --fractions) o_fractions="$val" ;;
        --openloop-duration) o_oduration="$val" ;; --openloop-connections) OPENLOOP_CONNECTIONS="$val" ;;
        --openloop-targets) OPENLOOP_TARGETS="$val" ;;
      esac ;;
    *) bad_option "unknown option: $1" ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  DURATION="${o_duration:-3}"; WARMUP="${o_warmup:-2}"; NEXUS_WARMUP="${o_nexus_warmup:-${o_warmup:-5}}"
  WARMUP_CYCLES="${o_cycles:-2}"
  SIZES="${o_sizes:-1k,256k}"; MATRIX_CONNECTIONS="${o_mconns:-16,256}"; MATRIX_DURATION="${o_mduration:-2}"
  POINT_WARMUP="${o_pwarmup:-1}"; FRACTIONS="${o_fractions:-0.5,0.9}"; OPENLOOP_DURATION="${o_oduration:-3}"
else
  DURATION="${o_duration:-15}"; WARMUP="${o_warmup:-5}"; NEXUS_WARMUP="${o_nexus_warmup:-${o_warmup:-30}}"
  WARMUP_CYCLES="${o_cycles:-3}"
  SIZES="${o_sizes:-0,1k,16k,256k}"; MATRIX_CONNECTIONS="${o_mconns:-16,64,256}"; MATRIX_DURATION="${o_mduration:-10}"
  POINT_WARMUP="${o_pwarmup:-2}"; FRACTIONS="${o_fractions:-0.25,0.5,0.75,0.9,1.0}"; OPENLOOP_DURATION="${o_oduration:-10}"
fi
# Three rounds by default: identical runs on this kind of machine differ by up to 10 % (NGINX and
# Nexus alike); the median of three alternating rounds is what the goals are checked against.
if [ -z "$ROUNDS" ]; then
  if [ "$QUICK" = 1 ]; then ROUNDS=1; else ROUNDS=3; fi
fi
OPENLOOP_CONNECTIONS="${OPENLOOP_CONNECTIONS:-$CONNECTIONS}"

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
for v in DURATION MATRIX_DURATION OPENLOOP_DURATION CONNECTIONS OPENLOOP_CONNECTIONS THREADS ROUNDS WARMUP_CYCLES; do
  is_uint "${!v}" && [ "${!v}" -ge 1 ] || bad_option "$v must be a whole number >= 1 (got '${!v}')"
done
for v in WARMUP NEXUS_WARMUP POINT_WARMUP MATRIX OPENLOOP PLOTS; do
  is_uint "${!v}" || bad_option "$v must be a whole number >= 0 (got '${!v}')"
done
[ "$CONNECTIONS" -ge "$THREADS" ] || bad_option "CONNECTIONS ($CONNECTIONS) must be >= THREADS ($THREADS)"
size_name() {  # 0|0b|1k|1K|16k|256k -> canonical name, or empty
  case "$1" in 0|0b|0B) echo 0 ;; 1k|1K) echo 1k ;; 16k|16K) echo 16k ;; 256k|256K) echo 256k ;; *) echo "" ;; esac
}
size_bytes() { case "$1" in 0) echo 0 ;; 1k) echo 1024 ;; 16k) echo 16384 ;; 256k) echo 262144 ;; esac; }
s="$(size_name "$SIZE")"; [ -n "$s" ] || bad_option "SIZE must be one of 0, 1k, 16k, 256k (got '$SIZE')"
SIZE="$s"; SIZE_BYTES="$(size_bytes "$SIZE")"
SIZE_LIST=()
IFS=',' read -r -a _l <<<"$SIZES"
for x in "${_l[@]}"; do
  [ -z "$x" ] && continue
  s="$(size_name "$x")"; [ -n "$s" ] || bad_option "SIZES: '$x' is not one of 0, 1k, 16k, 256k"
  SIZE_LIST+=("$s")
done
MCONN_LIST=()
IFS=',' read -r -a _l <<<"$MATRIX_CONNECTIONS"
for x in "${_l[@]}"; do
  [ -z "$x" ] && continue
  is_uint "$x" && [ "$x" -ge "$THREADS" ] || bad_option "MATRIX_CONNECTIONS: '$x' must be a whole number >= THREADS"
  MCONN_LIST+=("$x")
done
FRACTION_LIST=()
IFS=',' read -r -a _l <<<"$FRACTIONS"
for x in "${_l[@]}"; do
  [ -z "$x" ] && continue
  [[ "$x" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v f="$x" 'BEGIN {exit !(f > 0 && f <= 3)}' \
    || bad_option "FRACTIONS: '$x' must be a number in (0, 3]"
  FRACTION_LIST+=("$x")
done
[ ${#SIZE_LIST[@]} -gt 0 ] && [ ${#MCONN_LIST[@]} -gt 0 ] || MATRIX=0
[ ${#FRACTION_LIST[@]} -gt 0 ] || OPENLOOP=0

declare -A WANT=([direct]=0 [nginx]=0 [nexus]=0 [nexus-full]=0 [nexus-cache]=0)
TARGET_LIST=()
IFS=',' read -r -a _l <<<"$TARGETS"
for t in "${_l[@]}"; do
  [ -z "$t" ] && continue
  [ -n "${WANT[$t]+x}" ] || bad_option "unknown target '$t' (TARGETS is a comma list of $ALL_TARGETS)"
  [ "${WANT[$t]}" = 1 ] && continue
  WANT[$t]=1
done
for t in direct nginx nexus nexus-full nexus-cache; do [ "${WANT[$t]}" = 1 ] && TARGET_LIST+=("$t"); done
[ ${#TARGET_LIST[@]} -gt 0 ] || bad_option "no target selected"
OL_LIST=()
IFS=',' read -r -a _l <<<"$OPENLOOP_TARGETS"
for t in "${_l[@]}"; do
  [ -z "$t" ] && continue
  [ -n "${WANT[$t]+x}" ] || bad_option "unknown open-loop target '$t'"
  [ "${WANT[$t]}" = 1 ] && OL_LIST+=("$t")
done
[ ${#OL_LIST[@]} -gt 0 ] || OPENLOOP=0
ANY_NEXUS=0
for t in nexus nexus-full nexus-cache; do [ "${WANT[$t]}" = 1 ] && ANY_NEXUS=1; done

RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results}"
mkdir -p "$RESULTS_DIR" 2>/dev/null && [ -w "$RESULTS_DIR" ] || die "cannot write results to $RESULTS_DIR (set RESULTS_DIR)"
RESULTS_DIR="$(cd "$RESULTS_DIR" && pwd)"
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
[ "$OPENLOOP" = 1 ] && ! command -v gcc >/dev/null 2>&1 && need_pkgs+=(gcc libc6-dev)
[ "${WANT[nexus-full]}" = 1 ] && ! command -v openssl >/dev/null 2>&1 && need_pkgs+=(openssl)
want_gnuplot=0
[ "$PLOTS" = 1 ] && ! command -v gnuplot >/dev/null 2>&1 && want_gnuplot=1
is_root_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
if [ ${#need_pkgs[@]} -gt 0 ] || { [ "$want_gnuplot" = 1 ] && is_root_apt; }; then
  if is_root_apt; then
    extra=(); [ "$want_gnuplot" = 1 ] && extra=(gnuplot-nox)
    log "installing ${need_pkgs[*]} ${extra[*]} ..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        ${need_pkgs[@]+"${need_pkgs[@]}"} ${extra[@]+"${extra[@]}"}; } >&2 \
      || { [ ${#need_pkgs[@]} -gt 0 ] && die "apt-get install ${need_pkgs[*]} failed"; log "warning: gnuplot-nox did not install"; }
    NGINX_BIN="$(command -v nginx 2>/dev/null || true)"
    [ -n "$NGINX_BIN" ] || { [ -x /usr/sbin/nginx ] && NGINX_BIN=/usr/sbin/nginx; }
  else
    die "missing ${need_pkgs[*]}: install with sudo apt-get install ${need_pkgs[*]} (or run this as root)"
  fi
fi
[ -n "$NGINX_BIN" ] || die "nginx not found after installing nginx-light"
for t in wrk curl taskset awk sed; do command -v "$t" >/dev/null 2>&1 || die "missing $t"; done
if [ "$ANY_NEXUS" = 1 ] && ! command -v java >/dev/null 2>&1; then
  die "missing java (a Java 17+ runtime, e.g. apt-get install openjdk-17-jre-headless)"
fi
if [ "$PLOTS" = 1 ] && ! command -v gnuplot >/dev/null 2>&1; then
  log "warning: gnuplot not found (apt-get install gnuplot-nox): no PNG plots"; PLOTS=0
fi

# ---------------------------------------------------------------- cores
NCPU="$(nproc 2>/dev/null || echo 1)"
if [ "$NCPU" -ge 2 ]; then
  BACKEND_CPU="${BACKEND_CPU:-0}"; PROXY_CPU="${PROXY_CPU:-1}"
else
  BACKEND_CPU="${BACKEND_CPU:-0}"; PROXY_CPU="${PROXY_CPU:-0}"
  log "warning: only $NCPU core available; backend, load generators and proxies share core 0 (figures not comparable)"
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
LOAD_PID=""
cleanup() {
  local rc=$? pid alive
  trap - EXIT INT TERM
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
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

http_code() { curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$@" 2>/dev/null || true; }

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

start_sampler() {  # pid outfile: writes the max VmRSS (kB) seen, every 200 ms, pinned to the load core
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

# ---------------------------------------------------------------- load generators
to_ms() {  # wrk duration like 812.00us, 1.23ms, 2.01s, 1.00m -> ms
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    else if (u == "h") n *= 3600000; else if (u != "ms") { print ""; exit }
    printf "%.3f", n }'
}

run_load() {  # outfile command...: in the background so that a signal interrupts the wait at once
  local out="$1"; shift
  taskset -c "$BACKEND_CPU" ${PRIO[@]+"${PRIO[@]}"} "$@" >"$out" 2>&1 </dev/null &
  LOAD_PID=$!
  wait "$LOAD_PID" || true
  LOAD_PID=""
}

run_wrk() {  # target url connections seconds outfile
  local t="$1" url="$2" c="$3" secs="$4" out="$5" hdr=()
  [ -n "${AUTH_HEADER[$t]}" ] && hdr=(-H "${AUTH_HEADER[$t]}")
  run_load "$out" wrk -t "$THREADS" -c "$c" -d "${secs}s" --timeout 10s --latency ${hdr[@]+"${hdr[@]}"} "$url"
}

# Parses a wrk --latency output into: rps p50 p90 p99 max requests non2xx socket_errors
parse_wrk() {
  local f="$1" rps p50 p90 p99 max req non2xx sock
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$f")"
  p50="$(awk '$1 == "50%" {print $2; exit}' "$f")"
  p90="$(awk '$1 == "90%" {print $2; exit}' "$f")"
  p99="$(awk '$1 == "99%" {print $2; exit}' "$f")"
  max="$(awk '$1 == "Latency" {print $4; exit}' "$f")"
  req="$(awk '/ requests in / {print $1; exit}' "$f")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")"
  sock="$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$f")"
  [ -n "$p50" ] && p50="$(to_ms "$p50")"; [ -n "$p90" ] && p90="$(to_ms "$p90")"
  [ -n "$p99" ] && p99="$(to_ms "$p99")"; [ -n "$max" ] && max="$(to_ms "$max")"
  echo "${rps:--} ${p50:--} ${p90:--} ${p99:--} ${max:--} ${req:-0} ${non2xx:-0} ${sock:-0}"
}

# ---------------------------------------------------------------- bodies, ports
WWW="$TMP/www"
mkdir -p "$WWW/bench"
: >"$WWW/bench/0"
head -c 1024 /dev/zero | tr '\0' 'x' >"$WWW/bench/1k"
head -c 16384 /dev/zero | tr '\0' 'x' >"$WWW/bench/16k"
head -c 262144 /dev/zero | tr '\0' 'x' >"$WWW/bench/256k"
chmod -R a+rX "$WWW"

read -r BACKEND_PORT PROXY_PORT NX_PORT NX_ADMIN NXF_PORT NXF_ADMIN NXC_PORT NXC_ADMIN <<<"$(free_ports 8)" || die "no free ports"
[ -n "${NXC_ADMIN:-}" ] || die "could not pick free ports"
declare -A PORT=([direct]="$BACKEND_PORT" [nginx]="$PROXY_PORT" [nexus]="$NX_PORT" [nexus-full]="$NXF_PORT" [nexus-cache]="$NXC_PORT")
declare -A ADMIN=([nexus]="$NX_ADMIN" [nexus-full]="$NXF_ADMIN" [nexus-cache]="$NXC_ADMIN")
declare -A LABEL=([direct]="direct (NGINX backend)" [nginx]="NGINX proxy" [nexus]="Nexus bare route" [nexus-full]="Nexus full pipeline" [nexus-cache]="Nexus cache hit")
declare -A CORE=([direct]="$BACKEND_CPU" [nginx]="$PROXY_CPU" [nexus]="$PROXY_CPU" [nexus-full]="$PROXY_CPU" [nexus-cache]="$PROXY_CPU")
declare -A PID_OF=([direct]="" [nginx]="" [nexus]="" [nexus-full]="" [nexus-cache]="")
declare -A NOTE=([direct]="" [nginx]="" [nexus]="" [nexus-full]="" [nexus-cache]="")
declare -A AUTH_HEADER=([direct]="" [nginx]="" [nexus]="" [nexus-full]="" [nexus-cache]="")
declare -A START_MS=([nexus]="" [nexus-full]="" [nexus-cache]="")
url_of() { echo "http://127.0.0.1:${PORT[$1]}/bench/$2"; }

# Rough length of the run, so that nobody starts a 25-minute run by mistake.
n_t=${#TARGET_LIST[@]}; warm_total=0
for t in "${TARGET_LIST[@]}"; do case "$t" in nexus*) warm_total=$((warm_total + NEXUS_WARMUP)) ;; *) warm_total=$((warm_total + WARMUP)) ;; esac; done
EST=$(( 15 + 4 * ANY_NEXUS + warm_total + ROUNDS * n_t * (DURATION + 1) ))
[ "$MATRIX" = 1 ] && EST=$(( EST + ${#SIZE_LIST[@]} * ${#MCONN_LIST[@]} * n_t * (POINT_WARMUP + MATRIX_DURATION + 1) ))
[ "$OPENLOOP" = 1 ] && EST=$(( EST + ${#FRACTION_LIST[@]} * ${#OL_LIST[@]} * (POINT_WARMUP + OPENLOOP_DURATION + 2) ))
log "temp dir $TMP; backend and load generators on core $BACKEND_CPU, proxies under test on core $PROXY_CPU"
log "targets ${TARGET_LIST[*]}; acceptance $SIZE x $CONNECTIONS connections ${DURATION}s x $ROUNDS; matrix $( [ "$MATRIX" = 1 ] && echo "${SIZE_LIST[*]} x ${MCONN_LIST[*]} connections, ${MATRIX_DURATION}s" || echo off); open loop $( [ "$OPENLOOP" = 1 ] && echo "fractions ${FRACTION_LIST[*]}, ${OPENLOOP_DURATION}s" || echo off)"
log "expected length: about $(( (EST + 30) / 60 )) min ($EST s)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED_AT="$(now_ms)"

OPENLOOP_BIN=""
if [ "$OPENLOOP" = 1 ]; then
  OPENLOOP_BIN="$("$BENCH_DIR/loadgen/build.sh" 2>"$TMP/openloop-build.log")" \
    || OPENLOOP_BIN="$(OPENLOOP_BUILD_DIR="$TMP" "$BENCH_DIR/loadgen/build.sh" 2>>"$TMP/openloop-build.log")" \
    || { cat "$TMP/openloop-build.log" >&2; die "could not compile bench/loadgen/openloop.c"; }
fi

# ---------------------------------------------------------------- backend
render "$BENCH_DIR/nginx/backend.conf.tmpl" "$TMP/backend.conf" "TMP=$TMP" "WWW=$WWW" "PORT=$BACKEND_PORT"
start_nginx backend "$TMP/backend.conf" "$BACKEND_CPU"
BACKEND_MASTER="$NGINX_MASTER"; BACKEND_WORKER="$NGINX_WORKER"
wait_for_200 "$(url_of direct 1k)" 10 || { cat "$TMP/backend-error.log" >&2; die "backend NGINX does not answer 200 at $(url_of direct 1k)"; }
log "backend NGINX: pid $BACKEND_MASTER (worker $BACKEND_WORKER) on 127.0.0.1:$BACKEND_PORT"
PID_OF[direct]="$BACKEND_WORKER"

# ---------------------------------------------------------------- NGINX proxy
if [ "${WANT[nginx]}" = 1 ]; then
  render "$BENCH_DIR/nginx/proxy.conf.tmpl" "$TMP/proxy.conf" "TMP=$TMP" "PORT=$PROXY_PORT" "BACKEND_PORT=$BACKEND_PORT"
  start_nginx proxy "$TMP/proxy.conf" "$PROXY_CPU"
  wait_for_200 "$(url_of nginx 1k)" 10 || { cat "$TMP/proxy-error.log" >&2; die "NGINX proxy does not answer 200 at $(url_of nginx 1k)"; }
  log "NGINX proxy: pid $NGINX_MASTER (worker $NGINX_WORKER) on 127.0.0.1:$PROXY_PORT"
  PID_OF[nginx]="$NGINX_WORKER"
fi

# ---------------------------------------------------------------- Nexus
# One JVM per Nexus target (observability settings are per process), all with the same route
# /bench -> the backend; only the loaded one works, the others idle on the same core.
write_nexus_yaml() {  # target file
  local t="$1" route_extra="" top_extra="" obs
  obs="observability:
  metrics: {enabled: false}
  access_log: {enabled: false}"
  case "$t" in
    nexus-full)
      route_extra="    auth: {policy: jwt, scopes: [read]}
    rate_limit:
      client: {rate: 100000000, per: 1s, burst: 100000000}"
      top_extra="security:
  jwt:
    issuer: bench
    audience: nexus
    keys:
      - {id: bench, algorithms: [RS256], public_key: $TMP/jwt.pub}"
      obs="observability:
  metrics: {enabled: true}
  access_log: {enabled: true, path: $TMP/nexus-full-access.log}" ;;
    nexus-cache)
      route_extra="    cache: {ttl: 1h}"
      top_extra="cache_strategy:
  distributed_cache:
    secondary: {size: 16mb}" ;;
  esac
  cat >"$2" <<EOF
# Generated by bench/run.sh: target $t
server:
  host: 127.0.0.1
  port: ${PORT[$t]}
  event_loops: 1
  # The same keep-alive as the NGINX proxy here (keepalive_requests 100000000): no per-connection
  # request cap, so neither proxy pays for reconnects the other does not.
  max_requests_per_connection: 0
admin:
  host: 127.0.0.1
  port: ${ADMIN[$t]}
service_routes:
  bench:
    prefix: /bench
    strip_prefix: false
    service_url: http://127.0.0.1:$BACKEND_PORT
    timeout: 30
$route_extra
network_optimization:
  connection_pooling:
    min_size: 10
    max_size: 100
$top_extra
$obs
EOF
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
if [ "${WANT[nexus-full]}" = 1 ]; then
  # An RS256 key pair and a token signed with it (valid for a day), as a client would present it.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/jwt.key" 2>/dev/null || die "openssl genpkey failed"
  openssl pkey -in "$TMP/jwt.key" -pubout -out "$TMP/jwt.pub" 2>/dev/null || die "openssl pkey failed"
  now_s="$(date +%s)"
  jwt_head="$(printf '{"alg":"RS256","kid":"bench","typ":"JWT"}' | b64url)"
  jwt_body="$(printf '{"iss":"bench","aud":"nexus","sub":"bench-user","scope":"read","iat":%d,"exp":%d}' "$now_s" "$((now_s + 86400))" | b64url)"
  jwt_sig="$(printf '%s.%s' "$jwt_head" "$jwt_body" | openssl dgst -sha256 -sign "$TMP/jwt.key" | b64url)"
  AUTH_HEADER[nexus-full]="Authorization: Bearer $jwt_head.$jwt_body.$jwt_sig"
fi

start_nexus() {  # target [cds-opts]: starts the JVM and waits for the first proxied 200
  local t="$1" t0 url started=0 deadline hdr=()
  url="$(url_of "$t" 1k)"
  [ -n "${AUTH_HEADER[$t]}" ] && hdr=(-H "${AUTH_HEADER[$t]}")
  t0="$(now_ms)"
  # shellcheck disable=SC2086
  # The collector's log goes with the raw results: pauses show up in a proxy's p99.
  taskset -c "$PROXY_CPU" ${PRIO[@]+"${PRIO[@]}"} java $NEXUS_JAVA_OPTS -Xlog:gc:file="$TMP/$t-gc.log" \
    -jar "$TMP/nexus.jar" run -c "$TMP/$t.yaml" >"$TMP/$t.log" 2>&1 </dev/null &
  PID_OF[$t]=$!
  STARTED_PIDS+=("${PID_OF[$t]}")
  deadline=$(( t0 + 60000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ "$(http_code ${hdr[@]+"${hdr[@]}"} "$url")" = 200 ]; then started=1; break; fi
    kill -0 "${PID_OF[$t]}" 2>/dev/null || break
    sleep 0.01
  done
  if [ "$started" = 1 ]; then
    START_MS[$t]=$(( $(now_ms) - t0 ))
    log "${LABEL[$t]}: pid ${PID_OF[$t]} on 127.0.0.1:${PORT[$t]}, first proxied 200 after ${START_MS[$t]} ms"
  else
    if kill -0 "${PID_OF[$t]}" 2>/dev/null; then NOTE[$t]="no 200 within 60 s"; else NOTE[$t]="exited during start"; fi
    log "warning: ${LABEL[$t]} ${NOTE[$t]}; last lines of its log:"
    tail -n 30 "$TMP/$t.log" >&2 || true
    stop_pid "${PID_OF[$t]}"; PID_OF[$t]=""
  fi
}

if [ "$ANY_NEXUS" = 1 ]; then
  if [ ! -f "$NEXUS_JAR" ]; then
    for t in nexus nexus-full nexus-cache; do NOTE[$t]="jar missing: $NEXUS_JAR"; done
    log "warning: $NEXUS_JAR missing (run ./nexus bench, or ./mvnw -DskipTests package); Nexus is not measured"
  else
    # Run a private copy: a concurrent rebuild replacing target/nexus.jar under a running JVM makes
    # its lazy class loading fail (NoClassDefFoundError) in the middle of the run.
    cp "$NEXUS_JAR" "$TMP/nexus.jar" || die "cannot copy $NEXUS_JAR"
    for t in nexus nexus-full nexus-cache; do write_nexus_yaml "$t" "$TMP/$t.yaml"; done
    # Class-data sharing, as ./nexus does: one training start of this jar copy (bare route) records
    # the classes a gateway loads up to its first proxied answer; every measured start maps them.
    if [ "${NEXUS_CDS:-1}" = 1 ]; then
      # shellcheck disable=SC2086
      taskset -c "$PROXY_CPU" java $NEXUS_JAVA_OPTS -XX:ArchiveClassesAtExit="$TMP/nexus.jsa" -jar "$TMP/nexus.jar" \
        run -c "$TMP/nexus.yaml" >"$TMP/nexus-cds.log" 2>&1 </dev/null &
      cds_pid=$!
      for _ in $(seq 1 600); do
        [ "$(http_code "$(url_of nexus 1k)")" = 200 ] && break
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
    log "Nexus: java $NEXUS_JAVA_OPTS -jar $NEXUS_JAR run -c <target>.yaml (core $PROXY_CPU)"
    # The bare route first: its start is the measured one, on an otherwise idle proxy core.
    for t in nexus nexus-full nexus-cache; do [ "${WANT[$t]}" = 1 ] && start_nexus "$t"; done
  fi
fi
if [ "${WANT[nexus-full]}" = 1 ] && [ -n "${PID_OF[nexus-full]}" ]; then
  code="$(http_code "$(url_of nexus-full 1k)")"
  [ "$code" = 401 ] || { log "warning: the full-pipeline route answered $code without a token (want 401)"; NOTE[nexus-full]="no 401 without token"; }
fi
if [ "${WANT[nexus-cache]}" = 1 ] && [ -n "${PID_OF[nexus-cache]}" ]; then
  # Fill the cache with every size the run asks for, and check that the next request is a hit.
  for s in $(printf '%s\n' "$SIZE" ${SIZE_LIST[@]+"${SIZE_LIST[@]}"} | sort -u); do
    curl -s -o /dev/null --max-time 5 "$(url_of nexus-cache "$s")" || true
    xc="$(curl -s -D - -o /dev/null --max-time 5 "$(url_of nexus-cache "$s")" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" {print $2}')"
    [ "$xc" = HIT ] || { log "warning: the cached route answered X-Cache '$xc' for /bench/$s (want HIT)"; NOTE[nexus-cache]="not a hit ($s: '$xc')"; }
  done
fi

# ---------------------------------------------------------------- measurement
RAW_DIR="$RESULTS_DIR/latest-raw"
rm -rf "$RAW_DIR"; mkdir -p "$RAW_DIR"
ROWS="$RAW_DIR/rows.tsv"
: >"$ROWS"
cp "$TMP/backend.conf" "$RAW_DIR/" 2>/dev/null || true
[ -f "$TMP/proxy.conf" ] && cp "$TMP/proxy.conf" "$RAW_DIR/"
for t in nexus nexus-full nexus-cache; do [ "${WANT[$t]}" = 1 ] && [ -f "$TMP/$t.yaml" ] && cp "$TMP/$t.yaml" "$RAW_DIR/"; done

available() {  # target is up
  local t="$1"
  [ -z "${NOTE[$t]}" ] || return 1
  kill -0 "$BACKEND_WORKER" 2>/dev/null || { NOTE[$t]="backend gone"; return 1; }
  [ -n "${PID_OF[$t]}" ] && kill -0 "${PID_OF[$t]}" 2>/dev/null || { NOTE[$t]="process gone"; return 1; }
  return 0
}

for t in "${TARGET_LIST[@]}"; do
  available "$t" || continue
  hdr=(); [ -n "${AUTH_HEADER[$t]}" ] && hdr=(-H "${AUTH_HEADER[$t]}")
  got="$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{size_download}' ${hdr[@]+"${hdr[@]}"} "$(url_of "$t" "$SIZE")" 2>/dev/null || true)"
  [ "$got" = "200 $SIZE_BYTES" ] || log "warning: ${LABEL[$t]} answered '$got' (want '200 $SIZE_BYTES') at $(url_of "$t" "$SIZE")"
done

# Before each measurement the target must answer 200: after a burst (256 connections of 256 KiB
# bodies, a run's end cutting answers off) a Nexus route's circuit breaker may be open, answering 503
# for its wait_in_open (30 s). Measuring then would time the 503s: wait for a 200 (up to 45 s) and
# note it on the row, so the report shows it.
POINT_NOTE=""
ensure_ok() {  # target size
  local t="$1" url code waited=0 hdr=()
  POINT_NOTE=""
  [ -n "${AUTH_HEADER[$t]}" ] && hdr=(-H "${AUTH_HEADER[$t]}")
  url="$(url_of "$t" "$2")"
  code="$(http_code ${hdr[@]+"${hdr[@]}"} "$url")"
  [ "$code" = 200 ] && return 0
  log "warning: ${LABEL[$t]} answers $code before this point; waiting for a 200 (an open circuit breaker pauses calls for 30 s)"
  while [ "$waited" -lt 45 ]; do
    sleep 1; waited=$((waited + 1))
    [ "$(http_code ${hdr[@]+"${hdr[@]}"} "$url")" = 200 ] && break
  done
  POINT_NOTE="answered $code before this point, 200 again after ${waited} s"
  log "         ${LABEL[$t]}: $POINT_NOTE"
}

# One row per measurement (tab-separated, "-" when not applicable); bench/report.sh reads them:
# phase target size connections round fraction offered_rps rps p50 p90 p99 p999 max rss_kb cpu_pct
# cpu_s_per_10k other_pct requests non2xx errors unsent send_lag_ms note
add_row() { local IFS=$'\t'; echo "$*" >>"$ROWS"; }

measure_wrk() {  # phase target size connections seconds round rawfile
  local ph="$1" t="$2" size="$3" c="$4" secs="$5" round="$6" raw="$7" rss p0 p1 b0 b1 c0 c1
  local rps p50 p90 p99 max req non2xx sock cpu other cpu10k
  rss="$TMP/rss"; echo 0 >"$rss"
  start_sampler "${PID_OF[$t]}" "$rss"
  p0="$(proc_ticks "${PID_OF[$t]}")"; read -r b0 c0 <<<"$(core_ticks "${CORE[$t]}")"
  run_wrk "$t" "$(url_of "$t" "$size")" "$c" "$secs" "$raw"
  p1="$(proc_ticks "${PID_OF[$t]}")"; read -r b1 c1 <<<"$(core_ticks "${CORE[$t]}")"
  stop_sampler
  read -r rps p50 p90 p99 max req non2xx sock <<<"$(parse_wrk "$raw")"
  if [ "$rps" = - ] || [ "$p99" = - ]; then
    log "warning: could not parse wrk output for ${LABEL[$t]}:"; sed 's/^/  /' "$raw" >&2
    add_row "$ph" "$t" "$size" "$c" "$round" $(printf -- '- %.0s' $(seq 1 17)) "wrk output not parsed"
    return
  fi
  # CPU of the target process as % of its core over the run and per 10k requests; for proxies
  # also the rest of that core's busy time (other processes, interrupts): noise from other work.
  read -r cpu other cpu10k <<<"$(awk -v dp=$((p1 - p0)) -v db=$((b1 - b0)) -v dt=$((c1 - c0)) -v r="$req" -v hz="$CLK_TCK" 'BEGIN {
    if (dt <= 0) { print "- - -"; exit }
    o = (db - dp) / dt * 100; if (o < 0) o = 0
    printf "%.1f %.1f %s\n", dp / dt * 100, o, (r > 0 ? sprintf("%.4f", dp / hz / r * 10000) : "-") }')"
  [ "$t" = direct ] && other=-
  add_row "$ph" "$t" "$size" "$c" "$round" - - "$rps" "$p50" "$p90" "$p99" - "$max" "$(cat "$rss")" "$cpu" "$cpu10k" "$other" "$req" "$non2xx" "$sock" - - "$POINT_NOTE"
  # The access log of the full pipeline grows by ~10 MB/s: start each run with an empty file.
  [ "$t" = nexus-full ] && [ -f "$TMP/nexus-full-access.log" ] && { wc -l <"$TMP/nexus-full-access.log" >"$TMP/access-lines"; : >"$TMP/nexus-full-access.log"; }
  log "         ${LABEL[$t]} $size x $c: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, errors $sock, CPU ${cpu}%$( [ "$t" != direct ] && echo ", other load on core ${CORE[$t]} ${other}%")"
}

measure_openloop() {  # target fraction rate rawfile
  local t="$1" f="$2" rate="$3" raw="$4" rss hdr=() line
  [ -n "${AUTH_HEADER[$t]}" ] && hdr=(-H "${AUTH_HEADER[$t]}")
  rss="$TMP/rss"; echo 0 >"$rss"
  start_sampler "${PID_OF[$t]}" "$rss"
  run_load "$raw" "$OPENLOOP_BIN" -R "$rate" -c "$OPENLOOP_CONNECTIONS" -d "$OPENLOOP_DURATION" -W "$POINT_WARMUP" -T 10 \
    ${hdr[@]+"${hdr[@]}"} "$(url_of "$t" "$SIZE")"
  stop_sampler
  line="$(grep '^openloop ' "$raw" || true)"
  [ "$t" = nexus-full ] && [ -f "$TMP/nexus-full-access.log" ] && : >"$TMP/nexus-full-access.log"
  if [ -z "$line" ]; then
    log "warning: openloop gave no result for ${LABEL[$t]}:"; sed 's/^/  /' "$raw" >&2
    add_row openloop "$t" "$SIZE" "$OPENLOOP_CONNECTIONS" - "$f" "$rate" - - - - - - "$(cat "$rss")" - - - - - - - - "no result"
    return
  fi
  kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  add_row openloop "$t" "$SIZE" "$OPENLOOP_CONNECTIONS" - "$f" "$rate" "$(kv achieved_rps)" "$(kv p50_ms)" "$(kv p90_ms)" \
    "$(kv p99_ms)" "$(kv p999_ms)" "$(kv max_ms)" "$(cat "$rss")" - - - "$(kv completed)" "$(kv non2xx)" "$(kv errors)" \
    "$(kv unsent)" "$(kv max_send_lag_ms)" "$POINT_NOTE"
  log "         ${LABEL[$t]} at $rate req/s ($f x peak): achieved $(kv achieved_rps), p50 $(kv p50_ms) ms, p99 $(kv p99_ms) ms, p99.9 $(kv p999_ms) ms, errors $(kv errors), send lag $(kv max_send_lag_ms) ms"
}

# Phase 1: acceptance point, every target, warm-up first.
log "phase 1/3: acceptance point ($SIZE, $CONNECTIONS connections)"
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGET_LIST[@]}"; do
    available "$t" || continue
    if [ "$round" = 1 ]; then
      w="$WARMUP"; case "$t" in nexus*) w="$NEXUS_WARMUP" ;; esac
      if [ "$w" -gt 0 ]; then
        # In several load-generator runs: a JIT that has only seen connections stay open throws its
        # hottest compiled code away at the first close (uncommon traps in the read loop and the
        # codecs) and recompiles about 500 methods on the measured core, in the measured window.
        # Traffic in production opens and closes connections all the time; so does the warm-up.
        cyc=$(( WARMUP_CYCLES < w ? WARMUP_CYCLES : w ))
        log "warm-up  ${LABEL[$t]}: ${w}s in $cyc runs"
        for i in $(seq 1 "$cyc"); do
          run_wrk "$t" "$(url_of "$t" "$SIZE")" "$CONNECTIONS" "$(( w / cyc ))" "$RAW_DIR/acceptance-$t-warmup.txt"
        done
        [ "$t" = nexus-full ] && [ -f "$TMP/nexus-full-access.log" ] && : >"$TMP/nexus-full-access.log"
      fi
    fi
    ensure_ok "$t" "$SIZE"
    log "measure  ${LABEL[$t]}: ${DURATION}s (round $round/$ROUNDS)"
    measure_wrk acceptance "$t" "$SIZE" "$CONNECTIONS" "$DURATION" "$round" "$RAW_DIR/acceptance-$t-r$round.txt"
  done
done
ACCESS_LINES="$(cat "$TMP/access-lines" 2>/dev/null || true)"

# Phase 2: matrix. Point by point, every target in turn, so that drifts of the machine's load hit
# all targets alike.
if [ "$MATRIX" = 1 ]; then
  log "phase 2/3: matrix (${SIZE_LIST[*]} x ${MCONN_LIST[*]} connections)"
  for size in "${SIZE_LIST[@]}"; do
    for c in "${MCONN_LIST[@]}"; do
      for t in "${TARGET_LIST[@]}"; do
        available "$t" || continue
        ensure_ok "$t" "$size"
        [ "$POINT_WARMUP" -gt 0 ] && run_wrk "$t" "$(url_of "$t" "$size")" "$c" "$POINT_WARMUP" "$TMP/point-warmup.txt"
        measure_wrk matrix "$t" "$size" "$c" "$MATRIX_DURATION" - "$RAW_DIR/matrix-$t-$size-c$c.txt"
      done
    done
  done
fi

# Phase 3: open loop at fractions of NGINX's acceptance throughput.
OPENLOOP_PEAK_USED=""
if [ "$OPENLOOP" = 1 ]; then
  OPENLOOP_PEAK_USED="$(awk -F'\t' '$1 == "acceptance" && $2 == "nginx" && $8 != "-" {print $8}' "$ROWS" | sort -g | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}')"
  [ -z "$OPENLOOP_PEAK_USED" ] && OPENLOOP_PEAK_USED="${OPENLOOP_PEAK:-}"
  if [ -z "$OPENLOOP_PEAK_USED" ]; then
    log "warning: no NGINX throughput to take fractions of (add nginx to TARGETS or set OPENLOOP_PEAK): open loop skipped"
    OPENLOOP=0
  else
    log "phase 3/3: open loop at ${FRACTION_LIST[*]} x $OPENLOOP_PEAK_USED req/s, $OPENLOOP_CONNECTIONS connections, $SIZE"
    for f in "${FRACTION_LIST[@]}"; do
      rate="$(awk -v p="$OPENLOOP_PEAK_USED" -v f="$f" 'BEGIN {printf "%.0f", p * f}')"
      for t in "${OL_LIST[@]}"; do
        available "$t" || continue
        ensure_ok "$t" "$SIZE"
        measure_openloop "$t" "$f" "$rate" "$RAW_DIR/openloop-$t-f$f.txt"
      done
    done
  fi
fi

for t in nexus nexus-full nexus-cache; do
  [ "${WANT[$t]}" = 1 ] && [ -n "${PID_OF[$t]}" ] || continue
  kill -0 "${PID_OF[$t]}" 2>/dev/null || { log "warning: ${LABEL[$t]} exited during the run; last lines of its log:"; tail -n 30 "$TMP/$t.log" >&2 || true; }
done
LOG_ERRORS=0; LOG_WARNS=0
for t in nexus nexus-full nexus-cache; do
  [ -f "$TMP/$t.log" ] || continue
  cp "$TMP/$t.log" "$RAW_DIR/"
  if [ -f "$TMP/$t-gc.log" ]; then
    cp "$TMP/$t-gc.log" "$RAW_DIR/"
    log "GC ${LABEL[$t]}: $(awk '/Pause Young/ {gsub(/ms$/, "", $NF); n++; s += $NF; if ($NF > m) m = $NF}
      /Pause Full/ {f++} END {printf "%d young pauses, mean %.2f ms, max %.2f ms; %d full", n, n ? s / n : 0, m, f}' "$TMP/$t-gc.log")"
  fi
  e="$(grep -c ' ERROR ' "$TMP/$t.log" || true)"; w="$(grep -c ' WARN ' "$TMP/$t.log" || true)"
  LOG_ERRORS=$((LOG_ERRORS + ${e:-0})); LOG_WARNS=$((LOG_WARNS + ${w:-0}))
  if [ "${e:-0}" != 0 ] || [ "${w:-0}" != 0 ]; then
    log "note: ${LABEL[$t]} logged $e ERROR and $w WARN lines (see $RAW_DIR/$t.log); most frequent:"
    grep -E ' (ERROR|WARN) ' "$TMP/$t.log" | cut -d' ' -f2- | sort | uniq -c | sort -rn | head -n 5 >&2 || true
  fi
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- report
q() { printf '%q' "$1"; }
{
  echo "STAMP=$(q "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
  echo "GIT_REV=$(q "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)")"
  echo "NGINX_VER=$(q "$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')")"
  echo "JAVA_VER=$(q "$(java -version 2>&1 | head -n 1 || true)")"
  echo "NEXUS_JAVA_OPTS=$(q "$NEXUS_JAVA_OPTS")"
  echo "TARGETS=$(q "${TARGET_LIST[*]}")"
  echo "SIZE=$SIZE CONNECTIONS=$CONNECTIONS DURATION=$DURATION ROUNDS=$ROUNDS WARMUP=$WARMUP NEXUS_WARMUP=$NEXUS_WARMUP WARMUP_CYCLES=$WARMUP_CYCLES THREADS=$THREADS"
  echo "MATRIX=$MATRIX SIZES=$(q "${SIZE_LIST[*]:-}") MATRIX_CONNECTIONS=$(q "${MCONN_LIST[*]:-}") MATRIX_DURATION=$MATRIX_DURATION POINT_WARMUP=$POINT_WARMUP"
  echo "OPENLOOP=$OPENLOOP FRACTIONS=$(q "${FRACTION_LIST[*]:-}") OPENLOOP_DURATION=$OPENLOOP_DURATION OPENLOOP_CONNECTIONS=$OPENLOOP_CONNECTIONS OPENLOOP_PEAK_USED=$(q "$OPENLOOP_PEAK_USED")"
  echo "BACKEND_CPU=$BACKEND_CPU PROXY_CPU=$PROXY_CPU NCPU=$NCPU QUICK=$QUICK"
  echo "LOAD_BEFORE=$(q "$LOAD_BEFORE") LOAD_AFTER=$(q "$LOAD_AFTER") RUN_SECONDS=$(( ($(now_ms) - STARTED_AT) / 1000 ))"
  echo "NEXUS_START_MS=$(q "${START_MS[nexus]}") NEXUS_FULL_START_MS=$(q "${START_MS[nexus-full]}") NEXUS_CACHE_START_MS=$(q "${START_MS[nexus-cache]}")"
  echo "NEXUS_LOG_ERRORS=$( [ "$ANY_NEXUS" = 1 ] && echo "$LOG_ERRORS") NEXUS_LOG_WARNS=$( [ "$ANY_NEXUS" = 1 ] && echo "$LOG_WARNS") ACCESS_LINES=$(q "$ACCESS_LINES")"
  for t in direct nginx nexus nexus-full nexus-cache; do echo "NOTE_${t//-/_}=$(q "${NOTE[$t]}")"; done
} >"$RAW_DIR/meta.env"
PLOTS="$PLOTS" "$BENCH_DIR/report.sh" "$RAW_DIR" "$RESULTS_DIR"
exit 0
