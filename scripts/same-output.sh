#!/usr/bin/env bash
# Byte-identity of two builds (issue 9: "every figure is unchanged ... compare with cmp"): runs
# OLD and NEW on the same inputs and compares every output file, stdout, stderr (the timing
# lines left out) and exit code; XLSX entry by entry, all but docProps/core.xml (its date).
# Inputs: a default and a quota-heavy round of ROWS rows (gen_round), a tricky round made from
# the first 200,000 rows of the default one (CRLF, blank lines, quoted commas and line breaks,
# formula-like and `-` cells, short and long rows, bad money, dates, districts and booleans), the
# same in GBK, and the shipped examples.
#
#   scripts/same-output.sh OLD_CALC NEW_CALC [ROWS]      e.g. a release build of main, and HEAD's
# Prints each difference and "ALL IDENTICAL" or "DIFFERENCES" (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$(realpath "$1"); NEW=$(realpath "$2"); ROWS=${3:-1000000}
E=$PWD/examples
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
mkdir -p "$D/in" "$D/old" "$D/new"
cargo build --release -q --example gen_round
target/release/examples/gen_round "$ROWS" 42 "$D/in/round.csv"
target/release/examples/gen_round "$ROWS" 42 "$D/in/quota.csv" --quota
python3 - "$D/in" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(7)
lines = open(f'{d}/round.csv', encoding='utf-8').read().split('\n')
out = [lines[0]]
for l in (l for l in lines[1:200001] if l):
    c = l.split(',')
    r = random.random()
    if r < 0.02: out.append(''); continue
    elif r < 0.04: c[1] = f'"{c[1]},分公司"'
    elif r < 0.06: c[8] = '-' + c[8]
    elif r < 0.07: c[8] = '=1+' + c[8]
    elif r < 0.08: c = c[:10]
    elif r < 0.09: c = c + ['x', '']
    elif r < 0.10: c[12] = '12a3'
    elif r < 0.11: c[13] = '2025-13-01'
    elif r < 0.12: c[1] = c[1] + ' '
    elif r < 0.13: c[4] = '不存在区'
    elif r < 0.14: c[5] = 'yes'
    elif r < 0.15: c[1] = f'"{c[1]}\n第二行"'
    elif r < 0.16: c[12] = '+' + c[12] if c[12] else '@x'
    out.append(','.join(c))
text = '\r\n'.join(out) + '\r\n'
open(f'{d}/tricky.csv', 'w', encoding='utf-8', newline='').write(text)
open(f'{d}/tricky-gbk.csv', 'wb').write(text.encode('gb18030'))
PY

same_xlsx() {
  python3 - "$1" "$2" <<'PY'
import sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:])
names = lambda z: sorted(n for n in z.namelist() if n != 'docProps/core.xml')
sys.exit(0 if names(a) == names(b) and all(a.read(n) == b.read(n) for n in names(a)) else 1)
PY
}

fail=0
run() { # name, then calc's arguments (files in the run's folder are named NAME.*)
  local name=$1; shift
  for side in old new; do
    local calc=$OLD; [ "$side" = new ] && calc=$NEW
    (cd "$D/$side" && { "$calc" "$@" >"$name.stdout" 2>"$name.stderr.raw"; echo $? >"$name.rc"; } || true
     grep -v '^\(open\|read\|evaluated\|quota\|written\):' "$name.stderr.raw" >"$name.stderr" || true
     rm "$name.stderr.raw")
  done
  for f in "$D/old/$name".*; do
    local g=$D/new/$(basename "$f")
    case $f in
      *.xlsx) same_xlsx "$f" "$g" || { echo "differs: $(basename "$f")"; fail=1; } ;;
      *) cmp -s "$f" "$g" || { echo "differs: $(basename "$f")"; fail=1; } ;;
    esac
  done
}

I=$D/in; A=(--as-of 2026-06-30)
run round batch "$I/round.csv" -o round.out.csv --summary round.sum.csv "${A[@]}"
run quota batch "$I/quota.csv" -o quota.out.csv --summary quota.sum.csv "${A[@]}"
run tricky batch "$I/tricky.csv" -o tricky.out.csv --summary tricky.sum.csv "${A[@]}"
run trickyx batch "$I/tricky.csv" -o trickyx.out.xlsx "${A[@]}"
run gbk batch "$I/tricky-gbk.csv" -o gbk.out.csv --lang en --no-bom "${A[@]}"
run check batch "$I/tricky.csv" --check "${A[@]}"
run exx batch "$E/round.csv" -o exx.out.xlsx --summary exx.sum.xlsx "${A[@]}"
run exc batch "$E/round.csv" -o exc.out.csv "${A[@]}"
run exxin batch "$D/old/exx.out.xlsx" -o exxin.out.csv "${A[@]}"
run prior batch "$E/round.csv" -o prior.out.csv --prior "$D/old/exc.out.csv" --as-of 2026-07-30
run stdout batch "$E/round.csv" -o - "${A[@]}"
run notice notice "$D/old/exc.out.csv" -o notice.out.csv
run noticex notice "$D/old/exc.out.csv" -o noticex.out.xlsx
run quotap batch "$I/quota.csv" -o quotap.out.csv --prior "$D/old/quota.out.csv" "${A[@]}"
run single "$E/enterprise.toml"
run explain explain "$E/enterprise.toml"
run json "$E/enterprise.toml" --format json
if [ "$fail" = 0 ]; then echo "ALL IDENTICAL"; else echo "DIFFERENCES"; exit 1; fi
