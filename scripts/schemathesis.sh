#!/usr/bin/env bash
# The OpenAPI description of `calc serve` checked against the running server by schemathesis
# (from PyPI, in a virtual environment under target/): every check but one, for a minute.
#
# Left out: positive_data_acceptance ("schema-valid data must be accepted"). The facts' JSON
# Schema cannot say everything calc's parser checks (a credit code's check digit, a real date
# such as 2026-02-30, a year in a date window): such facts are answered 400 with the field's
# JSON Pointer, which the description documents. Every other check runs, negative data included.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/schemathesis/venv
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi
cargo build --release --quiet
log=$(mktemp)
target/release/calc serve --addr 127.0.0.1:0 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do
    addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { echo "calc serve did not start:"; cat "$log"; exit 1; }
echo "== schemathesis against http://$addr/api/openapi.json"
"$venv/bin/schemathesis" run "http://$addr/api/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-time "${SCHEMATHESIS_SECONDS:-60}" --workers 2 --warnings off
