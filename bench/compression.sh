#!/usr/bin/env bash
# Compression cost: gzip of 16 KiB JSON responses vs the same responses uncompressed, through one
# gateway in the same run. NGINX serves the JSON file as the upstream; wrk drives the gateway with and
# without "Accept-Encoding: gzip", alternating, ROUNDS times each. The gateway is pinned to core 0,
# NGINX and wrk to the other cores. Prints req/s of each run and the ratio of the medians.
# Usage: bench/compression.sh [seconds per run, default 10] [rounds, default 3]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECS="${1:-10}"
ROUNDS="${2:-3}"
WORK="$(mktemp -d)"
trap 'kill $(cat "$WORK"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
CORES=$(nproc)
OTHER=$([ "$CORES" -gt 1 ] && echo "1-$((CORES - 1))" || echo 0)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
UP=$(free_port); GW=$(free_port); ADMIN=$(free_port)

# 16 KiB of JSON (an array of records, as an API returns).
python3 - "$WORK/data.json" <<'PY'
import json, random, sys
random.seed(7)
items, s = [], "[]"
while len(s) < 16384:
    items.append({"id": random.randrange(10**6), "name": "item-%d" % random.randrange(1000),
                  "tags": ["a", "b", "c"][: random.randrange(1, 4)], "score": random.random(), "active": random.random() < 0.5})
    s = json.dumps(items)
open(sys.argv[1], "w").write(s[:16383] + "]" if len(s) > 16384 else s)
PY
cat > "$WORK/nginx.conf" <<NGX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK; uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  types { application/json json; }
  keepalive_requests 100000;
  server { listen 127.0.0.1:$UP; location / { root $WORK; try_files /data.json =404; default_type application/json; } }
}
NGX
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
taskset -c "$OTHER" "$NGINX" -c "$WORK/nginx.conf"
cat > "$WORK/nexus.yaml" <<YAML
server: {host: 127.0.0.1, port: $GW, event_loops: 1, max_requests_per_connection: 0}
admin: {port: $ADMIN}
service_routes:
  lake: {prefix: /storage, service_url: "http://127.0.0.1:$UP"}
network_optimization:
  connection_pooling: {min_size: 4}
  compression: {enabled: true, algorithm: gzip, min_size: 1024}
YAML
[ -f "$ROOT/target/nexus.jar" ] || (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
# shellcheck disable=SC2086
taskset -c 0 java ${NEXUS_JAVA_OPTS:--XX:+UseSerialGC -Xms96m -Xmx96m -XX:MaxDirectMemorySize=64m -Xss512k} \
  -jar "$ROOT/target/nexus.jar" run -c "$WORK/nexus.yaml" > "$WORK/nexus.log" 2>&1 &
echo $! > "$WORK/nexus.pid"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$ADMIN/health/ready" >/dev/null && break; sleep 0.2; done
URL="http://127.0.0.1:$GW/storage/data.json"
echo "identity body $(curl -s "$URL" | wc -c) bytes, gzip body $(curl -s -H 'Accept-Encoding: gzip' "$URL" | wc -c) bytes"
curl -s -H 'Accept-Encoding: gzip' "$URL" | gunzip | cmp - "$WORK/data.json" && echo "gzip body decodes to the original"
PID=$(cat "$WORK/nexus.pid")
TICK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# One wrk run: prints "req/s requests cpu-ticks" (the gateway's CPU time during the run). On a
# shared machine req/s swings with other load; CPU time per request does not, so both are reported.
run() {
  local c0 c1 out
  c0=$(cpu)
  out=$(taskset -c "$OTHER" wrk -t1 -c16 -d"${SECS}s" "$@" "$URL")
  c1=$(cpu)
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '/requests in/ {print $1}' <<<"$out") $((c1 - c0))"
}
run -d5s >/dev/null; run -d5s -H "Accept-Encoding: gzip" >/dev/null   # warm-up (JIT)
plain=(); gz=(); plain_cpu=(); gz_cpu=()
for i in $(seq 1 "$ROUNDS"); do
  read -r p pn pc < <(run); read -r g gn gc < <(run -H 'Accept-Encoding: gzip')
  pu=$(python3 -c "print(round($pc / $TICK / $pn * 1e6, 1))"); gu=$(python3 -c "print(round($gc / $TICK / $gn * 1e6, 1))")
  echo "round $i: identity $p req/s ($pu us CPU/request), gzip $g req/s ($gu us CPU/request)"
  plain+=("$p"); gz+=("$g"); plain_cpu+=("$pu"); gz_cpu+=("$gu")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mp=$(median "${plain[@]}"); mg=$(median "${gz[@]}"); cp=$(median "${plain_cpu[@]}"); cg=$(median "${gz_cpu[@]}")
echo "median: identity $mp req/s, gzip $mg req/s, throughput ratio $(python3 -c "print(round($mg/$mp, 2))")"
echo "median CPU per request: identity $cp us, gzip $cg us, CPU-bound throughput ratio $(python3 -c "print(round($cp/$cg, 2))")"
