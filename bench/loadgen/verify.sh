#!/usr/bin/env bash
# Checks the open-loop load generator (bench/loadgen/openloop) against servers whose answer is known:
#
#   1. the NGINX backend of bench/run.sh (1 KiB static file): the generator achieves the rate it is
#      asked for, without errors, with sub-millisecond-to-millisecond latencies;
#   2. a serial server (slow_server.py, 5 ms per request: capacity ~200 req/s):
#      a. below capacity (100 req/s) the rate is achieved and p50 is about the service time;
#      b. above capacity (300 req/s) the achieved rate is the capacity, and the latencies include
#         the queueing delay: the request intended last waited T x (offered/achieved - 1)
#         (T = run length; the backlog is sent after the window), the median half of that. A
#         closed-loop tool never offers more than the server takes, so it cannot show this;
#   3. a server that stops answering for 1 s every 4 s (a pause): 25 % of the intended requests
#      fall in a pause and wait up to 1 s, so p90 is about 600 ms and p99 about 960 ms whatever the
#      rate (wrk's output for the same server is printed for comparison).
#
# Prints PASS/FAIL per check; exit 0 when all pass. Pinned to core 0 (BACKEND_CPU) like the bench.
# Takes about 40 s. Needs gcc, python3, nginx (check 1 is skipped without it), wrk (optional).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(cd "$HERE/.." && pwd)"
CPU="${BACKEND_CPU:-0}"
OL="$("$HERE/build.sh")"
TMP="$(mktemp -d)"
chmod 755 "$TMP"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
FAILS=0
check() { # description awk-condition line
  if awk "BEGIN {exit !($2)}"; then echo "PASS  $1"; else echo "FAIL  $1"; FAILS=$((FAILS + 1)); fi
}
run() { taskset -c "$CPU" "$OL" "$@" 2>/dev/null; }
slow_server() { # port args...
  local port="$1"; shift
  taskset -c "$CPU" python3 "$HERE/slow_server.py" --port "$port" "$@" >"$TMP/slow-$port.out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do grep -q listening "$TMP/slow-$port.out" 2>/dev/null && return 0; sleep 0.05; done
  echo "slow_server.py did not start" >&2; exit 1
}

# 1. NGINX backend
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
if [ -x "$NGINX_BIN" ]; then
  P="$(free_port)"
  mkdir -p "$TMP/www/bench"; head -c 1024 /dev/zero | tr '\0' x >"$TMP/www/bench/1k"; chmod -R a+rX "$TMP/www"
  sed -e "s|@TMP@|$TMP|g" -e "s|@WWW@|$TMP/www|g" -e "s|@PORT@|$P|g" "$BENCH_DIR/nginx/backend.conf.tmpl" >"$TMP/backend.conf"
  taskset -c "$CPU" "$NGINX_BIN" -p "$TMP/" -e "$TMP/backend-error.log" -c "$TMP/backend.conf" >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$P/bench/1k" && break; sleep 0.05; done
  R="${NGINX_RATE:-5000}"
  L="$(run -R "$R" -c 50 -d 5 -W 1 "http://127.0.0.1:$P/bench/1k")"; echo "      $L"
  check "nginx: achieved rate within 3 % of $R req/s" "$(field achieved_rps "$L") >= 0.97 * $R && $(field achieved_rps "$L") <= 1.03 * $R"
  check "nginx: no errors, no non-2xx, nothing left unsent" "$(field errors "$L") == 0 && $(field non2xx "$L") == 0 && $(field unsent "$L") == 0"
  check "nginx: p50 under 2 ms" "$(field p50_ms "$L") < 2"
else
  echo "SKIP  nginx: not installed"
fi

# 2. serial server, 5 ms per request
P="$(free_port)"; slow_server "$P" --service-ms 5
L="$(run -R 100 -c 4 -d 5 "http://127.0.0.1:$P/x")"; echo "      $L"
check "serial 5 ms, 100 req/s: rate achieved (>= 97)" "$(field achieved_rps "$L") >= 97"
check "serial 5 ms, 100 req/s: p50 between 5 and 20 ms" "$(field p50_ms "$L") >= 5 && $(field p50_ms "$L") < 20"
T=5
L="$(run -R 300 -c 4 -d "$T" "http://127.0.0.1:$P/x")"; echo "      $L"
A="$(field achieved_rps "$L")"
check "serial 5 ms, 300 req/s: achieved is the capacity (< 230 req/s)" "$A < 230"
check "serial 5 ms, 300 req/s: every intended request measured ($(field completed "$L") of $((300 * T)), the backlog sent after the window)" \
  "$(field completed "$L") == 300 * $T && $(field errors "$L") == 0"
# A request intended at t is answered when the server has done all requests intended before it:
# at t x offered/achieved, so it waited t x (offered/achieved - 1): the last (t = T) the most, the
# median (t = T/2) half as long.
EXPECT="$(awk -v t="$T" -v a="$A" 'BEGIN {printf "%.0f", t * (300 / a - 1) * 1000}')"
check "serial 5 ms, 300 req/s: max latency $(field max_ms "$L") ms is the queueing delay T(offered/achieved - 1) = $EXPECT ms (within 20 %)" \
  "$(field max_ms "$L") >= 0.8 * $EXPECT && $(field max_ms "$L") <= 1.2 * $EXPECT"
check "serial 5 ms, 300 req/s: p50 $(field p50_ms "$L") ms is half of it (within 20 %)" \
  "$(field p50_ms "$L") >= 0.4 * $EXPECT && $(field p50_ms "$L") <= 0.6 * $EXPECT"

# 3. a server that pauses 1 s every 4 s
P="$(free_port)"; slow_server "$P" --stall-every 4 --stall-ms 1000
L="$(run -R 200 -c 10 -d 8 "http://127.0.0.1:$P/x")"; echo "      $L"
check "pauses: every intended request answered ($(field completed "$L") of 1600, no error)" "$(field completed "$L") == 1600 && $(field errors "$L") == 0"
check "pauses: p90 $(field p90_ms "$L") ms near 600 ms (450..750)" "$(field p90_ms "$L") >= 450 && $(field p90_ms "$L") <= 750"
check "pauses: p99 $(field p99_ms "$L") ms near 960 ms (850..1050)" "$(field p99_ms "$L") >= 850 && $(field p99_ms "$L") <= 1050"
if command -v wrk >/dev/null 2>&1; then
  echo "      for comparison, wrk (closed loop, 10 connections, 8 s) against the same server:"
  taskset -c "$CPU" wrk -t1 -c10 -d8s --latency "http://127.0.0.1:$P/x" 2>&1 | grep -E '^ +(50|90|99)%|Requests/sec' | sed 's/^/        /'
fi
echo
if [ "$FAILS" = 0 ]; then echo "openloop: all checks passed"; else echo "openloop: $FAILS check(s) failed"; exit 1; fi
