#!/usr/bin/env bash
# Benchmark of `calc batch` (issues 3 and 9): two synthetic rounds of ROWS rows (default
# 1,000,000, about 10 per applicant), (a) the default round and (b) a quota-heavy round where
# most datasets compete for the clause-3 quota (gen_round --quota), each measured in the same
# run against the floor, a plain `xsv select 1-` passthrough of the same file. Prints seconds,
# rows per second, peak memory (max RSS from /usr/bin/time) and the ratio to the floor; then a
# DuckDB peer: one SQL statement doing clauses 1 and 2 (DECIMAL columns, window functions),
# reading and writing every column (skipped with NO_DUCKDB=1); and `calc compare` of the default
# round against one `calc batch` of it (skipped with NO_COMPARE=1).
#
#   [REPEAT=3] [CALC=target/release/calc] scripts/bench-batch.sh [ROWS] [SEED]
# Each pair (xsv, then calc) runs REPEAT times back to back; the minimum is reported with the
# range, and the load before the run, since a shared machine makes single runs noisy.
# Targets (issue 9): calc <= 4x the xsv floor on both rounds, peak < 1 GiB.
# xsv is taken from PATH, else installed once with cargo into target/bench-tools; DuckDB is
# installed once with pip into a venv there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
SEED=${2:-42}
REPEAT=${REPEAT:-3}
CALC=${CALC:-target/release/calc}   # another build to compare, e.g. the release before a change
TOOLS=target/bench-tools
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

cargo build --release -q --bin calc --example gen_round
XSV=$(command -v xsv || true)
if [ -z "$XSV" ]; then
  XSV=$TOOLS/xsv/bin/xsv
  [ -x "$XSV" ] || cargo install -q xsv --locked --root "$TOOLS/xsv"
fi
target/release/examples/gen_round "$ROWS" "$SEED" "$DIR/round.csv"
target/release/examples/gen_round "$ROWS" "$SEED" "$DIR/quota.csv" --quota
echo "input: $ROWS rows, $(du -m "$DIR/round.csv" | cut -f1) MB"

measure() { # label, command...: prints "seconds kilobytes"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$DIR/$label.time" "$@" >/dev/null 2>"$DIR/$label.err" || {
    local rc=$?; [ "$rc" -eq 3 ] || { cat "$DIR/$label.err"; exit "$rc"; }
  }
  cat "$DIR/$label.time"
}

report() { # label, rows, then "seconds KB" lines of xsv and calc runs, alternating
  awk -v l="$1" -v rows="$2" '
    function lo(a, b) { return a == "" || b < a ? b : a }
    function hi(a, b) { return a == "" || b > a ? b : a }
    NR % 2 == 1 { fs = lo(fs, $1); fs_h = hi(fs_h, $1); fk = hi(fk, $2) }
    NR % 2 == 0 { cs = lo(cs, $1); cs_h = hi(cs_h, $1); ck = hi(ck, $2) }
    END {
      printf "%-8s xsv select 1- : %6.2f s (%.2f-%.2f)  %9.0f rows/s  peak %6.1f MiB\n", l, fs, fs, fs_h, rows/fs, fk/1024
      printf "%-8s calc batch    : %6.2f s (%.2f-%.2f)  %9.0f rows/s  peak %6.1f MiB  ratio %5.2f x\n", l, cs, cs, cs_h, rows/cs, ck/1024, cs/fs
    }'
}

echo "load: $(uptime | sed 's/.*load average/load average/'); $REPEAT runs of each, minimum (range)"
for round in round quota; do
  for _ in $(seq "$REPEAT"); do
    measure "$round-xsv" "$XSV" select 1- "$DIR/$round.csv" -o "$DIR/$round.xsv.csv"
    measure "$round-calc" "$CALC" batch "$DIR/$round.csv" \
      -o "$DIR/$round.out.csv" --summary "$DIR/$round.summary.csv" --as-of 2026-06-30
  done | report "$round" "$ROWS"
done

# `calc compare` (issue 27): the default round under the base rules and under the 鹿城区 20%
# overlay, against one `calc batch` of it, pair by pair; target <= 2x.
if [ "${NO_COMPARE:-}" != 1 ]; then
  for _ in $(seq "$REPEAT"); do
    measure "cmp-batch" "$CALC" batch "$DIR/round.csv" \
      -o "$DIR/round.out.csv" --summary "$DIR/round.summary.csv" --as-of 2026-06-30
    measure "cmp-compare" "$CALC" compare "$DIR/round.csv" \
      --overlay examples/overlays/lucheng-compute-20.toml --as-of 2026-06-30 -o "$DIR/impact.csv"
  done | awk '
    function lo(a, b) { return a == "" || b < a ? b : a }
    NR % 2 == 1 { b = lo(b, $1); bk = $2 > bk ? $2 : bk }
    NR % 2 == 0 { c = lo(c, $1); ck = $2 > ck ? $2 : ck }
    END { printf "round    calc compare  : %6.2f s against batch %.2f s  ratio %5.2f x  peak %6.1f MiB\n", c, b, c / b, ck / 1024 }'
fi

[ "${NO_DUCKDB:-}" = 1 ] && exit 0
if [ ! -x "$TOOLS/venv/bin/python" ] || ! "$TOOLS/venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q duckdb
fi
# Clauses 1 (compute: 30% autonomous, 10% otherwise) and 2 (model: 30% with a vertical
# application), each capped at 500,000 a unit and year, counted in file order.
cat > "$DIR/peer.py" <<'EOF'
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
duckdb.sql(f"""
COPY (
  WITH rows AS (
    SELECT *, row_number() OVER () AS n
    FROM read_csv('{src}', all_varchar = true, header = true)
  ), priced AS (
    SELECT *,
      CASE "类型" WHEN '算力券' THEN 1 WHEN '模型券' THEN 2 END AS clause,
      round(CAST("金额" AS DECIMAL(18, 2)) * CASE
        WHEN "类型" = '算力券' AND "自主算力" = '是' THEN 0.30
        WHEN "类型" = '算力券' THEN 0.10
        WHEN "类型" = '模型券' AND "垂类应用" = '是' THEN 0.30
        ELSE 0 END, 2) AS raw
    FROM rows
  ), capped AS (
    SELECT *, coalesce(sum(raw) OVER (
      PARTITION BY "统一社会信用代码", clause, year(CAST("日期" AS DATE)) ORDER BY n
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS used
    FROM priced
  )
  SELECT * EXCLUDE (n, raw, used),
    CASE WHEN clause IS NULL THEN NULL
      ELSE greatest(0, least(raw, CAST(500000 AS DECIMAL(18, 2)) - used)) END AS award
  FROM capped ORDER BY n
) TO '{out}' (HEADER, DELIMITER ',')
""")
EOF
for _ in $(seq "$REPEAT"); do
  measure duckdb "$TOOLS/venv/bin/python" "$DIR/peer.py" "$DIR/round.csv" "$DIR/duck.csv"
done | awk -v rows="$ROWS" '
  NR == 1 || $1 < s { s = $1 } $1 > h { h = $1 } $2 > k { k = $2 }
  END { printf "round    duckdb (cl. 1-2): %6.2f s (%.2f-%.2f)  %9.0f rows/s  peak %6.1f MiB\n", s, s, h, rows/s, k/1024 }'
