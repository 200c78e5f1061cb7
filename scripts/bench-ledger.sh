#!/usr/bin/env bash
# Benchmark of the ledger (issue 25; not a timed test): a synthetic round of about 100,000
# awarded rows (gen_round, ROWS input rows, default 172,000), computed once, then
#   (a) `calc ledger record` of its output into an empty ledger on SQLite and on PostgreSQL
#       (a throwaway PostgreSQL 15 cluster on a Unix socket, fsync on as in production unless
#       PG_FSYNC=off): seconds and entries per second (the re-evaluation included);
#   (b) round 2 (another seed, the same applicants) computed with `batch --ledger L` against
#       `batch --prior E`, E being the ledger's export (the same awards): the ratio.
# Targets: 100,000 recorded in < 3 s on SQLite, < 10 s on PostgreSQL; ratio <= 1.2x.
#
#   [REPEAT=3] [NO_BUILD=1] scripts/bench-ledger.sh [ROWS] [SEED]
# Seconds are wall-clock (the fastest run); "cpu" is user + system seconds of that run, which a
# machine shared with other work changes less.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-172000}
SEED=${2:-42}
REPEAT=${REPEAT:-3}
PGBIN=/usr/lib/postgresql/15/bin
DIR=$(mktemp -d)
PGDIR=""
cleanup() {
  if [ -n "$PGDIR" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT

[ -n "${NO_BUILD:-}" ] || cargo build --release -q --bin calc --example gen_round
CALC=$PWD/target/release/calc
GEN=$PWD/target/release/examples/gen_round
cd "$DIR"
"$GEN" "$ROWS" "$SEED" round1.csv --quota
"$GEN" "$ROWS" $((SEED + 1)) round2.csv --quota
AS_OF=2026-12-31
export CALC_LEDGER=""
"$CALC" batch round1.csv -o out1.csv --as-of $AS_OF 2>/dev/null || [ $? -eq 3 ]

secs() { # command...: "wall cpu" seconds of the fastest of REPEAT runs
  local best="" bestcpu=""
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %U %S" -o "$DIR/t" "$@" >"$DIR/last" 2>"$DIR/last.err" || { local rc=$?; [ $rc -eq 3 ] || { cat "$DIR/last.err"; exit $rc; }; }
    local s cpu
    read -r s u y < <(tail -1 "$DIR/t")
    cpu=$(echo "$u + $y" | bc)
    if [ -z "$best" ] || [ "$(echo "$s < $best" | bc)" = 1 ]; then best=$s; bestcpu=$cpu; fi
  done
  echo "$best $bestcpu"
}

record_into() { # locator, reset command, label: records out1.csv into a fresh ledger REPEAT times
  local loc=$1 reset=$2 best="" bestcpu=""
  for _ in $(seq "$REPEAT"); do
    eval "$reset"
    "$CALC" ledger init --ledger "$loc" >/dev/null
    /usr/bin/time -f "%e %U %S" -o "$DIR/t" \
      "$CALC" ledger record out1.csv --round R1 --as-of $AS_OF --ledger "$loc" >"$DIR/rec.out"
    local s u y cpu
    read -r s u y < <(tail -1 "$DIR/t")
    cpu=$(echo "$u + $y" | bc)
    if [ -z "$best" ] || [ "$(echo "$s < $best" | bc)" = 1 ]; then best=$s; bestcpu=$cpu; fi
  done
  local n
  n=$(grep -o '已记账 recorded: [0-9]*' "$DIR/rec.out" | grep -o '[0-9]*$')
  printf "%-12s %7d entries  %6.2f s (cpu %5.2f s)  %9.0f entries/s\n" "$3" "$n" "$best" "$bestcpu" "$(echo "$n / $best" | bc -l)"
}

echo "round 1: $ROWS rows ($(du -m round1.csv | cut -f1) MB); calc $("$CALC" --version | head -1)"
echo "== ledger record (the fastest of $REPEAT, each into an empty ledger)"
record_into "$DIR/ledger.db" "rm -f '$DIR'/ledger.db*" "SQLite"

if [ -x "$PGBIN/initdb" ]; then
  PGDIR=$(mktemp -d /tmp/calc-bench-pg.XXXX)
  chmod 755 "$DIR"
  chown postgres "$PGDIR"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U calc --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  FSYNC=${PG_FSYNC:-on}
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -l "$PGDIR/log" \
    -o "-k $PGDIR -c listen_addresses='' -c fsync=$FSYNC" start >/dev/null
  PGURL="host=$PGDIR dbname=bench user=calc"
  record_into "$PGURL" "runuser -u postgres -- $PGBIN/dropdb -h $PGDIR -U calc --if-exists bench 2>/dev/null; runuser -u postgres -- $PGBIN/createdb -h $PGDIR -U calc bench" "PostgreSQL"
else
  echo "PostgreSQL      skipped (no $PGBIN)"
fi

echo "== round 2 with the ledger's awards: --ledger against --prior of its export"
"$CALC" ledger export -o export.csv --ledger "$DIR/ledger.db" >/dev/null
read -r P PC < <(secs "$CALC" batch round2.csv -o o-prior.csv --as-of $AS_OF --prior export.csv)
read -r L LC < <(secs "$CALC" batch round2.csv -o o-ledger.csv --as-of $AS_OF --ledger "$DIR/ledger.db")
printf "batch --prior   %6.2f s (cpu %5.2f s)\n" "$P" "$PC"
printf "batch --ledger  %6.2f s (cpu %5.2f s)  SQLite      ratio %5.2fx (cpu %5.2fx)\n" "$L" "$LC" "$(echo "$L / $P" | bc -l)" "$(echo "$LC / $PC" | bc -l)"
if [ -n "$PGDIR" ]; then
  read -r LP LPC < <(secs "$CALC" batch round2.csv -o o-ledger-pg.csv --as-of $AS_OF --ledger "$PGURL")
  printf "batch --ledger  %6.2f s (cpu %5.2f s)  PostgreSQL  ratio %5.2fx (cpu %5.2fx)\n" "$LP" "$LPC" "$(echo "$LP / $P" | bc -l)" "$(echo "$LPC / $PC" | bc -l)"
fi
