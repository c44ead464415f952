#!/usr/bin/env bash
# What metrics + access log cost: two Nexus gateways in the same run, one with
# observability.metrics and observability.access_log on (the access log written to a file), one with
# both off (and the audit log off), in front of the same NGINX backend serving 1 KiB. wrk drives each
# in turn (OFF, ON, OFF, ON, ...), ROUNDS times, and the script prints the median throughput of each and
# the ratio ON/OFF. Gateways are pinned to PROXY_CPU, NGINX and wrk to BACKEND_CPU, as in bench/run.sh.
#
#   bench/observability-overhead.sh            # defaults: 50 connections, 6 s per run, 7 rounds, 20 s warm-up (C2 keeps compiling for a while on a busy core)
#   CONNECTIONS=100 DURATION=15 ROUNDS=5 bench/observability-overhead.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONNECTIONS="${CONNECTIONS:-50}"
DURATION="${DURATION:-6}"
WARMUP="${WARMUP:-20}"
ROUNDS="${ROUNDS:-7}"
PROXY_CPU="${PROXY_CPU:-0}"
BACKEND_CPU="${BACKEND_CPU:-1}"
NEXUS_JAVA_OPTS="${NEXUS_JAVA_OPTS:--XX:+UseSerialGC -Xms96m -Xmx96m -XX:MaxDirectMemorySize=64m -Xss512k}"
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
for t in wrk taskset java curl python3; do command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }; done
[ -f "$ROOT/target/nexus.jar" ] || (cd "$ROOT" && ./mvnw -q -B -DskipTests package)

TMP="$(mktemp -d)"
chmod 755 "$TMP" # NGINX workers run as nobody when started by root
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

BACKEND_PORT="$(free_port)"
mkdir -p "$TMP/www/bench"
head -c 1024 /dev/zero | tr '\0' 'x' >"$TMP/www/bench/1k"
cat >"$TMP/backend.conf" <<CONF
worker_processes 1; daemon off; pid $TMP/backend.pid; error_log $TMP/backend-error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nodelay on; keepalive_requests 100000000; keepalive_timeout 75s;
  client_body_temp_path $TMP/cb; proxy_temp_path $TMP/px; fastcgi_temp_path $TMP/fc; uwsgi_temp_path $TMP/uw; scgi_temp_path $TMP/sc;
  server { listen 127.0.0.1:$BACKEND_PORT; root $TMP/www; }
}
CONF
taskset -c "$BACKEND_CPU" "$NGINX_BIN" -p "$TMP/" -c "$TMP/backend.conf" >"$TMP/backend.out" 2>&1 &
PIDS+=($!)

STARTED_PORT=""
STARTED_PID=""
start_nexus() { # name, observability block; sets STARTED_PORT (not in a subshell, so PIDS keeps the pid)
  local name="$1" port admin
  port="$(free_port)"; admin="$(free_port)"
  cat >"$TMP/$name.yaml" <<CONF
server: {port: $port, event_loops: 1}
admin: {port: $admin}
service_routes:
  bench: {prefix: /bench, service_url: "http://127.0.0.1:$BACKEND_PORT", strip_prefix: false}
network_optimization:
  connection_pooling: {min_size: 10, max_size: 100}
$2
CONF
  # shellcheck disable=SC2086
  taskset -c "$PROXY_CPU" java $NEXUS_JAVA_OPTS -jar "$ROOT/target/nexus.jar" run -c "$TMP/$name.yaml" >"$TMP/$name.out" 2>&1 &
  PIDS+=($!)
  STARTED_PID=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$port/bench/1k" >/dev/null || { echo "$name did not start:" >&2; cat "$TMP/$name.out" >&2; exit 1; }
  STARTED_PORT="$port"
}

start_nexus off "observability: {metrics: {enabled: false}, access_log: {enabled: false}, audit_log: {enabled: false}}"
OFF_PORT="$STARTED_PORT"; OFF_PID="$STARTED_PID"
# ON_OBSERVABILITY replaces the "on" gateway's observability block (for example to measure one part alone).
ON_DEFAULT="observability: {metrics: {enabled: true}, access_log: {enabled: true, path: $TMP/access.log}, audit_log: {enabled: false}}"
start_nexus on "${ON_OBSERVABILITY:-$ON_DEFAULT}"
ON_PORT="$STARTED_PORT"; ON_PID="$STARTED_PID"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICKS="$(getconf CLK_TCK)"
# One wrk run: prints "req/s cpu-seconds-per-10k-requests" (the gateway's own CPU time, from /proc, is
# far less disturbed by other work on the machine than throughput is).
rps() { # port seconds pid
  local before after out
  before="$(cpu_ticks "$3")"
  out="$(taskset -c "$BACKEND_CPU" wrk -t1 -c"$CONNECTIONS" -d"${2}s" "http://127.0.0.1:$1/bench/1k")"
  after="$(cpu_ticks "$3")"
  echo "$out" | awk -v b="$before" -v a="$after" -v t="$TICKS" '
    /requests in/ {n=$1} /Requests\/sec/ {r=$2}
    END {printf "%s %.4f\n", r, (n > 0 ? (a - b) / t / n * 10000 : 0)}'
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)" >&2
echo "warming up both gateways (${WARMUP}s each)..." >&2
rps "$OFF_PORT" "$WARMUP" "$OFF_PID" >/dev/null
rps "$ON_PORT" "$WARMUP" "$ON_PID" >/dev/null
OFF=(); ON=(); OFF_CPU=(); ON_CPU=()
for r in $(seq 1 "$ROUNDS"); do
  read -r a b <<<"$(rps "$OFF_PORT" "$DURATION" "$OFF_PID")"; OFF+=("$a"); OFF_CPU+=("$b")
  read -r a b <<<"$(rps "$ON_PORT" "$DURATION" "$ON_PID")"; ON+=("$a"); ON_CPU+=("$b")
  echo "round $r: off ${OFF[-1]} req/s (${OFF_CPU[-1]} CPU s/10k), on ${ON[-1]} req/s (${ON_CPU[-1]} CPU s/10k)" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
M_OFF="$(median "${OFF[@]}")"; M_ON="$(median "${ON[@]}")"
C_OFF="$(median "${OFF_CPU[@]}")"; C_ON="$(median "${ON_CPU[@]}")"
# Paired ratios (each ON run against the OFF run just before it) cancel slow drifts in machine load.
PAIRED=(); PAIRED_CPU=()
for i in "${!ON[@]}"; do
  PAIRED+=("$(awk -v a="${ON[$i]}" -v b="${OFF[$i]}" 'BEGIN {print (b > 0 ? a / b : 0)}')")
  PAIRED_CPU+=("$(awk -v a="${ON_CPU[$i]}" -v b="${OFF_CPU[$i]}" 'BEGIN {print (b > 0 ? a / b : 0)}')")
done
P_RPS="$(median "${PAIRED[@]}")"; P_CPU="$(median "${PAIRED_CPU[@]}")"
LINES="$( [ -f "$TMP/access.log" ] && wc -l <"$TMP/access.log" | tr -d ' ' || echo 0)"
DROPPED="$(curl -s "http://127.0.0.1:$(sed -n 's/^admin: {port: \([0-9]*\)}/\1/p' "$TMP/on.yaml")/metrics" | awk '/^nexus_log_dropped_total/ {print $2}')"
echo
echo "| gateway | median req/s | median gateway CPU s per 10k requests | (1 KiB, $CONNECTIONS connections, ${DURATION}s x $ROUNDS)"
echo "|---|---|---|"
echo "| metrics + access log off | $M_OFF | $C_OFF |"
echo "| metrics + access log on  | $M_ON | $C_ON |"
awk -v on="$M_ON" -v off="$M_OFF" -v con="$C_ON" -v coff="$C_OFF" 'BEGIN {
  printf "\nthroughput on/off: %.3f (cost %.1f%%)\n", on/off, (1-on/off)*100
  if (coff > 0) printf "CPU per request on/off: %.3f (a CPU-bound gateway on one core: throughput cost %.1f%%)\n", con/coff, (1-coff/con)*100
}'
awk -v r="$P_RPS" -v c="$P_CPU" 'BEGIN { printf "median of paired ratios: throughput on/off %.3f (cost %.1f%%), CPU per request on/off %.3f\n", r, (1-r)*100, c }'
echo "access log lines written: $LINES, dropped: ${DROPPED:-?}; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
