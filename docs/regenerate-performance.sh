#!/usr/bin/env bash
# Regenerates docs/performance.md and docs/performance-throughput.png: runs every benchmark
# (JSON into docs/results/), then `cpumapd bench report`. About 12 minutes on 2 CPUs.
#   ROUNDS=3 DURATION=5 docs/regenerate-performance.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
R="${ROUNDS:-3}"; D="${DURATION:-5}"
OUT=docs/results
mkdir -p "$OUT"
lscpu > "$OUT/lscpu.txt"
for prog in no-touch l4-hash; do
  for action in drop pass; do
    ./cpumapd bench redirect-cpu -p "$prog" -r "$action" -c 1 --rx-core 0 --impl both --rounds "$R" -d "$D" \
      --warmup 2 --json-out "$OUT/redirect-$prog-$action.json"
  done
done
./cpumapd bench inject --rounds "$R" -d 2 --json-out "$OUT/inject.json"
./cpumapd bench redirect-cpu ring --latency 100000 -p l4-hash -r drop -c 1 --impl both --rounds 2 -d "$D" \
  --idle busy-spin --json-out "$OUT/latency.json"
./cpumapd bench redirect-cpu ring --latency 100000 -p l4-hash -r drop -c 1 --impl both --rounds 2 -d "$D" \
  --idle backoff --json-out "$OUT/latency-backoff.json"
./cpumapd bench redirect-cpu -p l4-hash -r pass -c 1 --impl java --rounds 1 --long -i 10 \
  --json-out "$OUT/alloc-60s.json"
docs/run-jmh.sh -wi 3 -i 5 -rf json -rff "$OUT/jmh.json" > "$OUT/jmh.txt"
./cpumapd bench report --results "$OUT" --out docs
