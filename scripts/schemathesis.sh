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
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

# Starts the server with `$@` and sets addr.
start() {
    target/release/calc serve --addr 127.0.0.1:0 "$@" 2>"$dir/log" &
    pid=$!
    addr=
    for _ in $(seq 50); do
        addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$dir/log" | head -1 || true)
        [ -n "$addr" ] && break
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "calc serve did not start:"; cat "$dir/log"; exit 1; }
}

# Run in the temporary folder: schemathesis keeps a cache (.schemathesis/) where it runs.
check() {
    (cd "$dir" && "$OLDPWD/$venv/bin/schemathesis" run "$@" \
        --checks all --exclude-checks positive_data_acceptance --workers 2 --warnings off)
}

start
echo "== schemathesis against http://$addr/api/openapi.json"
check "http://$addr/api/openapi.json" --max-time "${SCHEMATHESIS_SECONDS:-60}"
kill "$pid"; wait "$pid" 2>/dev/null || true

# With a token: every route's 401 described, the pages behind the login cookie.
echo "ci-token-$$" > "$dir/token"
start --token-file "$dir/token"
auth="Authorization: Bearer ci-token-$$"
curl -sf -H "$auth" "http://$addr/api/openapi.json" > "$dir/openapi.json"
echo "== schemathesis with a token against http://$addr"
check "$dir/openapi.json" --url "http://$addr" -H "$auth" --max-time 20
