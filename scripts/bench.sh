#!/usr/bin/env bash
# Performance figures for the notes: start-up of `calc FILE` (hyperfine, release build) and
# in-process evaluation speed (criterion). Usage: scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 20 --runs 200 --export-json /tmp/calc-startup.json \
    './target/release/calc examples/enterprise.toml'
  python3 -c "import json;r=json.load(open('/tmp/calc-startup.json'))['results'][0];print(f\"median wall: {r['median']*1000:.2f} ms\")"
else
  echo "hyperfine not installed (apt-get install hyperfine); skipping the start-up figure"
fi
cargo bench --bench evaluate
