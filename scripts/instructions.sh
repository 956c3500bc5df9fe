#!/bin/bash
# Steady-state instructions per operation of the fidelity bench's zksim loop, under valgrind cachegrind:
#   bash scripts/instructions.sh [DIST [WARMUP_MS SHORT_MS LONG_MS]]      (defaults: dist 600000 100000 400000)
# Runs the loop twice (the same warm-up; SHORT_MS and LONG_MS after it; in parallel) and prints
# (Ir_long - Ir_short) / (ops_long - ops_short): start-up, warm-up and compilation cancel out. Needs valgrind.
# Flags: --predictable (V8 compiles and collects on the main thread) with a fixed --hash-seed (string hashes, hence Map
# layouts, otherwise change per process), no memory reducer and a fixed heap growth (V8 otherwise sizes its heap from
# wall-clock GC speed): one build then repeats to about ±50 instructions per operation (without the last two flags,
# by up to ±2,000). Compare builds by this, not by wall time, on a machine whose speed varies.
set -euo pipefail
NODE_FLAGS=${NODE_FLAGS---predictable --no-memory-reducer --heap-growing-percent=300 --hash-seed=1}
DIST=${1:-dist}; WARM=${2:-600000}; S=${3:-100000}; L=${4:-400000}
for n in "$WARM" "$S" "$L"; do [[ "$n" =~ ^[0-9]+$ ]] || { echo "instructions.sh: lengths must be whole milliseconds, got '$n'" >&2; exit 2; }; done
(( L > S )) || { echo "instructions.sh: LONG_MS ($L) must exceed SHORT_MS ($S)" >&2; exit 2; }
[ -f "$DIST/bench/fidelity.js" ] || { echo "instructions.sh: $DIST/bench/fidelity.js not found (build first: npx tsc -p .)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
run() { valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$T/cg.$1" node $NODE_FLAGS "$HERE/instructions-loop.mjs" "$DIST" "$WARM" "$1" >"$T/out.$1" 2>"$T/err.$1"; }
run "$S" & p1=$!; run "$L" & p2=$!
wait $p1 || { cat "$T/err.$S" >&2; exit 1; }
wait $p2 || { cat "$T/err.$L" >&2; exit 1; }
ir() { awk '/^summary:/ {print $2}' "$T/cg.$1"; }
ops() { sed -E 's/.*"ops":([0-9]+).*/\1/' "$T/out.$1"; }
echo "short: Ir=$(ir "$S") ops=$(ops "$S")  long: Ir=$(ir "$L") ops=$(ops "$L") $(cat "$T/out.$L")"
echo "instructions per operation: $(( ($(ir "$L") - $(ir "$S")) / ($(ops "$L") - $(ops "$S")) ))"
