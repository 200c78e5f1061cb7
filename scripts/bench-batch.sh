#!/usr/bin/env bash
# Benchmark of `calc batch` (issue 3): one synthetic round of ROWS rows (default 1,000,000,
# about 10 per applicant), measured in one run against a plain csv-crate read and write of the
# same file (examples/csv_baseline.rs). Prints seconds, rows per second, the ratio to the
# baseline and the peak memory (max RSS from /usr/bin/time).
#
#   scripts/bench-batch.sh [ROWS] [SEED]
# Targets: ratio <= 3, >= 400,000 rows/s on a 2-core machine, peak < 1 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
SEED=${2:-42}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

cargo build --release -q --bin calc --example gen_round --example csv_baseline
target/release/examples/gen_round "$ROWS" "$SEED" "$DIR/round.csv"
echo "input: $ROWS rows, $(du -m "$DIR/round.csv" | cut -f1) MB"

measure() { # label, command...: prints "seconds kilobytes"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$DIR/$label.time" "$@" >/dev/null 2>"$DIR/$label.err" || {
    local rc=$?; [ "$rc" -eq 3 ] || { cat "$DIR/$label.err"; exit "$rc"; }
  }
  cat "$DIR/$label.time"
}

read -r base_s base_kb < <(measure baseline target/release/examples/csv_baseline "$DIR/round.csv" "$DIR/base.csv")
read -r calc_s calc_kb < <(measure batch target/release/calc batch "$DIR/round.csv" -o "$DIR/out.csv" \
  --summary "$DIR/summary.csv" --as-of 2026-06-30)

awk -v rows="$ROWS" -v bs="$base_s" -v bk="$base_kb" -v cs="$calc_s" -v ck="$calc_kb" 'BEGIN {
  printf "baseline (csv read+write): %6.2f s  %9.0f rows/s  peak %6.1f MiB\n", bs, rows/bs, bk/1024
  printf "calc batch               : %6.2f s  %9.0f rows/s  peak %6.1f MiB\n", cs, rows/cs, ck/1024
  printf "ratio to baseline        : %6.2f x\n", cs/bs
}'
