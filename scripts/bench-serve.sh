#!/usr/bin/env bash
# Load benchmark of `calc serve` (issue 26): (1) wrk, 16 keep-alive connections for 10 s on
# POST /api/evaluate with examples/enterprise.toml as TOML: requests/s and p99; (2) the latency
# of single requests (one at a time, curl) while a 200,000-row round (examples/gen_round) goes
# through POST /api/batch. Targets: >= 5,000 req/s, p99 < 20 ms, single < 100 ms under a round.
#
#   [ROWS=200000] [DURATION=10] [CONNECTIONS=16] scripts/bench-serve.sh
# wrk is Debian's (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-200000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
cargo build --release -q --bin calc --example gen_round
DIR=$(mktemp -d)
target/release/calc serve --addr 127.0.0.1:0 2>"$DIR/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 50); do
    addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$DIR/log" | head -1 || true)
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { echo "calc serve did not start"; cat "$DIR/log"; exit 1; }
url="http://$addr"

# The body for wrk, read by a lua script.
cat > "$DIR/post.lua" <<LUA
local f = io.open("examples/enterprise.toml", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/toml"
done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50: %.2f ms  p99: %.2f ms  max: %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, status %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
LUA
echo "== load: POST /api/evaluate (examples/enterprise.toml), $CONNECTIONS connections, ${DURATION} s, 2 threads"
curl -sf -o /dev/null -H 'Content-Type: application/toml' --data-binary @examples/enterprise.toml "$url/api/evaluate"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$DIR/post.lua" "$url/api/evaluate" | tail -4

echo "== single requests while a $ROWS-row round goes through POST /api/batch"
target/release/examples/gen_round "$ROWS" 42 "$DIR/round.csv" >/dev/null
ls -la "$DIR/round.csv" | awk '{ printf "round: %.1f MiB\n", $5 / 1048576 }'
( curl -s -o "$DIR/out.csv" -D "$DIR/headers" -w 'round: %{http_code} in %{time_total} s\n' \
    -H 'Content-Type: text/csv' --data-binary @"$DIR/round.csv" "$url/api/batch?as_of=2026-06-30" > "$DIR/round.time" ) &
round=$!
sleep 0.2
: > "$DIR/single"
while kill -0 "$round" 2>/dev/null; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/toml' \
        --data-binary @examples/enterprise.toml "$url/api/evaluate" >> "$DIR/single"
    sleep 0.01
done
wait "$round"
cat "$DIR/round.time"
grep -i '^x-calc-row' "$DIR/headers" || true
target/release/calc batch "$DIR/round.csv" -o "$DIR/cli.csv" --as-of 2026-06-30 2>/dev/null || true
cmp -s "$DIR/out.csv" "$DIR/cli.csv" && echo "the round's output is calc batch's, byte for byte" \
    || { echo "the round's output differs from calc batch's"; exit 1; }
sort -k2 -n "$DIR/single" | awk '{ t[NR] = $2 * 1000; if ($1 != 200) bad++ }
  END { if (NR == 0) { print "no single request made"; exit }
        p99 = int(NR * 0.99); if (p99 < 1) p99 = 1
        printf "single requests during the round: %d (non-200: %d); median %.1f ms, p99 %.1f ms, max %.1f ms\n",
          NR, bad + 0, t[int((NR + 1) / 2)], t[p99], t[NR] }'
