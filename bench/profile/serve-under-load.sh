#!/usr/bin/env bash
# Profiles `gregor serve` under the native load generator: the broker on CPU 0 (as in the suite), the load
# on CPU 1, the topic with the suite's disk-budget settings (64 MiB segments, 2 GiB per topic). Writes into
# OUT: the CPU profile (PROFILER=cpu, default: `node --cpu-prof`, open in Chrome DevTools) or perf.data
# (PROFILER=perf: `perf record -g` with `--perf-basic-prof`, 8 s from the 3rd second), the broker's
# /metrics after the load (request phases, event-loop delay, GC pauses), its output and the load
# generator's JSON line. NODE_FLAGS adds Node flags (e.g. --trace-gc). Needs `npm run build` and
# `cargo build --release -p gregor-loadgen`.
#
#   bench/profile/serve-under-load.sh OUT PARTITIONS produce --record-size 1024 --acks 1 --duration-s 10
#   bench/profile/serve-under-load.sh OUT 1 e2e --record-size 1024 --acks 1 --rate 20000 --request-bytes 65536 --max-wait-ms 500 --duration-s 10
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,13p' "$0"; exit 2; }
OUT=$1; PARTITIONS=$2; shift 2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI="$ROOT/dist/src/cli/main.js"
LOADGEN="$ROOT/target/release/gregor-loadgen"
rm -rf "$OUT"; mkdir -p "$OUT/data"; OUT=$(cd "$OUT" && pwd)
PORT=$((20000 + RANDOM % 10000)); ADMIN=$((PORT + 1)); TOPIC=profiled
read -r -a START_FLAGS <<< "$(node -e "import('$ROOT/dist/bench/targets/gregor.js').then((m) => console.log(m.startNodeFlags('$ROOT').join(' ')))")"
PROFILE_FLAGS=(--cpu-prof --cpu-prof-dir="$OUT")
[ "${PROFILER:-cpu}" = perf ] && PROFILE_FLAGS=(--perf-basic-prof)
# shellcheck disable=SC2086
taskset -c 0 node "${START_FLAGS[@]}" "${PROFILE_FLAGS[@]}" ${NODE_FLAGS:-} "$CLI" serve --listen "127.0.0.1:$PORT" --data-dir "$OUT/data" \
  --admin "127.0.0.1:$ADMIN" --log-level warn -o log.retention.check.interval.ms=2000 -o log.segment.delete.delay.ms=1000 \
  -o gregor.flush.before.acks.all.enable=false > "$OUT/serve.log" 2>&1 &
BROKER=$!
trap 'kill -INT $BROKER 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sf "127.0.0.1:$ADMIN/health/ready" > /dev/null && break; sleep 0.2; done
node "$CLI" topic create --brokers "127.0.0.1:$PORT" -p "$PARTITIONS" -c segment.bytes=67108864 \
  -c retention.bytes=$((2147483648 / PARTITIONS)) "$TOPIC" > /dev/null
PERF=
if [ "${PROFILER:-cpu}" = perf ]; then
  (sleep 3; perf record -F 499 -g -p "$BROKER" -o "$OUT/perf.data" -- sleep 8 > /dev/null 2>&1) &
  PERF=$!
fi
taskset -c 1 "$LOADGEN" "$@" --topic "$TOPIC" --partitions "$PARTITIONS" --bootstrap "127.0.0.1:$PORT" > "$OUT/loadgen.json" 2> "$OUT/loadgen.err"
[ -z "$PERF" ] || wait "$PERF"
curl -sf "127.0.0.1:$ADMIN/metrics" > "$OUT/metrics.txt"
kill -INT $BROKER; wait $BROKER || true
trap - EXIT
tail -1 "$OUT/loadgen.json"
