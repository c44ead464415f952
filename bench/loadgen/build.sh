#!/usr/bin/env bash
# Compiles bench/loadgen/openloop.c with gcc -O2 into bench/.build/ (git-ignored) when the binary is
# missing or older than its source, and prints the binary's path. OPENLOOP_BUILD_DIR: another
# directory (bench/run.sh uses its temp dir when bench/.build is not writable).
set -euo pipefail
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OPENLOOP_BUILD_DIR:-$SRC_DIR/../.build}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
BIN="$OUT/openloop"
if [ ! -x "$BIN" ] || [ "$SRC_DIR/openloop.c" -nt "$BIN" ]; then
  command -v gcc >/dev/null 2>&1 || { echo "openloop: gcc is missing (apt-get install gcc)" >&2; exit 1; }
  gcc -O2 -Wall -o "$BIN.$$" "$SRC_DIR/openloop.c" -lm
  mv -f "$BIN.$$" "$BIN"
fi
echo "$BIN"
