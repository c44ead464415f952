#!/usr/bin/env bash
# Cost of the edge (JWT check + local rate limit) against the bare proxy route, in one Nexus process.
#
# One run: an NGINX backend serving a 1 KiB body (core 0) and, ROUNDS times each, alternating, a
# Nexus (core 1, event_loops 1) with one route to it: bare (no auth, no limit) or edge (policy jwt
# with an RS256 key and a client rate limit high enough never to refuse), measured with wrk (core 0)
# after a warm-up. One process per measurement, so both kinds run the same route in the same place.
# Prints the median req/s, p99 and Nexus CPU time per 10k requests of each kind, and the ratios
# edge/bare (throughput, and throughput per CPU second, which other load disturbs far less); the
# issue's target is >= 0.75.
#
# Environment: DURATION (s, default 10), WARMUP (s per route, default 10), ROUNDS (default 4), CONNECTIONS
# (default 50), NEXUS_JAVA_OPTS (default: the one in ./nexus), NEXUS_JAR (default target/nexus.jar).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-10}"; ROUNDS="${ROUNDS:-4}"; CONNECTIONS="${CONNECTIONS:-50}"
NEXUS_JAR="${NEXUS_JAR:-$ROOT/target/nexus.jar}"
if [ -z "${NEXUS_JAVA_OPTS:-}" ]; then
  NEXUS_JAVA_OPTS="$(sed -n 's/^NEXUS_JAVA_OPTS="\${NEXUS_JAVA_OPTS:-\(.*\)}"[[:space:]]*$/\1/p' "$ROOT/nexus" | head -n 1)"
fi
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
for t in wrk openssl taskset curl "$NGINX_BIN"; do command -v "$t" >/dev/null || { echo "edge.sh: missing $t" >&2; exit 1; }; done
[ -f "$NEXUS_JAR" ] || { echo "edge.sh: $NEXUS_JAR missing (./mvnw -DskipTests package)" >&2; exit 1; }

TMP="$(mktemp -d)"
chmod 755 "$TMP"   # NGINX workers (user nobody when run as root) read the bodies
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# Backend: NGINX with a 1 KiB body.
BACKEND_PORT="$(free_port)"; mkdir -p "$TMP/www/bench"; head -c 1024 /dev/zero | tr '\0' 'x' >"$TMP/www/bench/1k"
sed -e "s|@TMP@|$TMP|g" -e "s|@WWW@|$TMP/www|g" -e "s|@PORT@|$BACKEND_PORT|g" "$BENCH_DIR/nginx/backend.conf.tmpl" >"$TMP/backend.conf"
taskset -c 0 "$NGINX_BIN" -p "$TMP/" -e "$TMP/backend-error.log" -c "$TMP/backend.conf" &
PIDS+=($!)

# An RS256 key and a token signed with it (valid for a day).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/jwt.key" 2>/dev/null
openssl pkey -in "$TMP/jwt.key" -pubout -out "$TMP/jwt.pub"
NOW="$(date +%s)"
HEADER="$(printf '{"alg":"RS256","kid":"bench"}' | b64url)"
PAYLOAD="$(printf '{"iss":"bench","aud":"nexus","sub":"bench-user","scope":"read","iat":%d,"exp":%d}' "$NOW" "$((NOW + 86400))" | b64url)"
SIG="$(printf '%s.%s' "$HEADER" "$PAYLOAD" | openssl dgst -sha256 -sign "$TMP/jwt.key" | b64url)"
TOKEN="$HEADER.$PAYLOAD.$SIG"

# One Nexus per measurement, with a single route /r: bare, or behind the edge (JWT + rate limit).
write_config() { # kind file
  local extra=""
  if [ "$1" = edge ]; then
    extra="    auth:
      policy: jwt
      scopes: [read]
    rate_limit:
      client: {rate: 100000000, per: 1s, burst: 100000000}"
  fi
  cat >"$2" <<EOF
server:
  host: 127.0.0.1
  port: $NEXUS_PORT
  event_loops: 1
admin:
  host: 127.0.0.1
  port: $ADMIN_PORT
security:
  jwt:
    issuer: bench
    audience: nexus
    keys:
      - id: bench
        algorithms: [RS256]
        public_key: $TMP/jwt.pub
service_routes:
  r:
    prefix: /r
    service_url: http://127.0.0.1:$BACKEND_PORT
    rewrite: {prefix: /bench}
$extra
network_optimization:
  connection_pooling:
    min_size: 10
    max_size: 100
EOF
}
NEXUS_PID=""
start_nexus() { # kind
  NEXUS_PORT="$(free_port)"; ADMIN_PORT="$(free_port)"
  write_config "$1" "$TMP/nexus-$1.yaml"
  # shellcheck disable=SC2086
  taskset -c 1 java $NEXUS_JAVA_OPTS -jar "$NEXUS_JAR" run -c "$TMP/nexus-$1.yaml" >"$TMP/nexus-$1.log" 2>&1 &
  NEXUS_PID=$!
  PIDS+=("$NEXUS_PID")
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$ADMIN_PORT/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
  done
  local auth=(); [ "$1" = edge ] && auth=(-H "Authorization: Bearer $TOKEN")
  curl -sf -o /dev/null "${auth[@]}" "http://127.0.0.1:$NEXUS_PORT/r/1k" \
    || { cat "$TMP/nexus-$1.log" >&2; echo "edge.sh: the $1 route does not answer" >&2; exit 1; }
  if [ "$1" = edge ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NEXUS_PORT/r/1k")" != 401 ]; then
    echo "edge.sh: the edge route does not require the token" >&2; exit 1
  fi
}
stop_nexus() { kill "$NEXUS_PID" 2>/dev/null || true; wait "$NEXUS_PID" 2>/dev/null || true; }
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$BACKEND_PORT/bench/1k" && break; sleep 0.1; done

run_wrk() { # kind seconds -> "req/s p99_ms non2xx"
  local extra=()
  [ "$1" = edge ] && extra=(-H "Authorization: Bearer $TOKEN")
  taskset -c 0 wrk -t 1 -c "$CONNECTIONS" -d "${2}s" --latency "${extra[@]}" "http://127.0.0.1:$NEXUS_PORT/r/1k" >"$TMP/wrk.out" 2>&1
  awk '/Requests\/sec/ {rps=$2} /requests in/ {reqs=$1} /^ +99%/ {p=$2; if (p ~ /us$/) {sub(/us/,"",p); p=p/1000} else if (p ~ /ms$/) {sub(/ms/,"",p)} else if (p ~ /s$/) {sub(/s/,"",p); p=p*1000}} /Non-2xx/ {n=$NF} END {printf "%.0f %.2f %d %d\n", rps, p, n, reqs}' "$TMP/wrk.out"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$NEXUS_PID/stat"; }
measure() { # kind -> "req/s p99_ms non2xx cpu_ms_per_10k"
  local before after line
  start_nexus "$1"
  run_wrk "$1" "$WARMUP" >/dev/null
  before="$(cpu_ticks)"
  line="$(run_wrk "$1" "$DURATION")"
  after="$(cpu_ticks)"
  stop_nexus
  # CPU time of the Nexus process per 10k requests: far less disturbed by other load on the machine
  # than req/s (which also waits for the shared cores).
  echo "$line" | awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '{printf "%s %s %s %.0f\n", $1, $2, $3, (t / hz) * 1000 * 10000 / ($4 > 0 ? $4 : 1)}'
}
echo "edge.sh: ${DURATION}s x $ROUNDS rounds per route, $CONNECTIONS connections, 1 KiB bodies; JVM: $NEXUS_JAVA_OPTS" >&2
declare -a BARE EDGE
for r in $(seq 1 "$ROUNDS"); do
  # The order alternates so that neither kind always runs first (the machine's load drifts).
  if [ $((r % 2)) = 1 ]; then
    BARE+=("$(measure bare)"); EDGE+=("$(measure edge)")
  else
    EDGE+=("$(measure edge)"); BARE+=("$(measure bare)")
  fi
  echo "round $r: bare ${BARE[-1]} | edge ${EDGE[-1]}   (req/s p99_ms non2xx cpu_ms_per_10k)" >&2
done
# Medians: one round disturbed by other load on the machine does not move them much.
median() { printf '%s\n' "$@" | awk -v f="$FIELD" '{print $f}' | sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
FIELD=1; B="$(median "${BARE[@]}")"; E="$(median "${EDGE[@]}")"
FIELD=2; BP="$(median "${BARE[@]}")"; EP="$(median "${EDGE[@]}")"
FIELD=4; BC="$(median "${BARE[@]}")"; EC="$(median "${EDGE[@]}")"
CPU_RATIO="$(awk -v e="$EC" -v b="$BC" 'BEGIN {printf "%.2f", b/e}')"
RATIO="$(awk -v e="$E" -v b="$B" 'BEGIN {printf "%.2f", e/b}')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf '| route (median of rounds) | req/s | p99 ms | Nexus CPU ms per 10k requests |\n|---|---|---|---|\n| bare route (no auth, no limit) | %s | %s | %s |\n| edge route (JWT RS256 + local rate limit) | %s | %s | %s |\n\nedge/bare throughput: %s; throughput per CPU second, edge/bare: %s (target >= 0.75)\n' "$B" "$BP" "$BC" "$E" "$EP" "$EC" "$RATIO" "$CPU_RATIO"
