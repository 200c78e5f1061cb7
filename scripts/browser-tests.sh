#!/usr/bin/env bash
# The pages of `calc serve` in a real browser (SPEC §9): Debian's chromium driven by
# playwright-core (no browser download), `node --test` in tests/browser. Installs chromium and
# the CJK fonts when missing, the node packages from the lock file, builds the release binary.
# Screenshots and the decision sheet's PDF go to target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "== installing chromium and fonts-noto-cjk"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
fi

echo "== npm ci (tests/browser: playwright-core, pinned)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

echo "== cargo build --release (calc serve)"
cargo build --release --quiet
export CALC_BIN="$PWD/target/release/calc"

echo "== node --test (tests/browser)"
cd tests/browser
node --test --test-concurrency=1 --test-reporter=spec
