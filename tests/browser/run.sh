#!/usr/bin/env bash
# The developer console's browser suite (console_test.py), then passkeys with Chromium's virtual
# authenticator (passkey_test.py), against a fresh `keyturn serve`: its
# own data dir, admin key and loopback port, stopped afterwards. tests/run.sh calls it after
# schemathesis, once it has installed Chromium and the Playwright venv; run alone it needs both:
#
#   bash tests/browser/run.sh [screenshot dir]
#
# KEYTURN_BIN (default: the debug `keyturn` of cargo's target dir), KEYTURN_BROWSER_PYTHON (the
# venv's python) and KEYTURN_CHROMIUM (default /usr/bin/chromium) override the defaults.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

PY="${KEYTURN_BROWSER_PYTHON:-${KEYTURN_TOOLS_DIR:-$HOME/.cache/keyturn-tools}/browser-venv/bin/python}"
if [[ -z "${KEYTURN_BIN:-}" ]]; then
  target="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  KEYTURN_BIN="$target/debug/keyturn"
fi
[[ -x "$KEYTURN_BIN" ]] || { echo "no keyturn binary at $KEYTURN_BIN (cargo build -p keyturn-infra --bin keyturn)" >&2; exit 1; }
[[ -x "$PY" ]] || { echo "no Playwright venv at $PY (tests/run.sh installs it)" >&2; exit 1; }

WORK="$(mktemp -d)"
# Screenshots go to a temporary directory of their own, kept (and named) after the run.
OUT="${1:-$(mktemp -d "${TMPDIR:-/tmp}/keyturn-console.XXXXXX")}"
SERVE_PID=""
stop() {
  if [[ -n "$SERVE_PID" ]]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap stop EXIT

PORT="$("$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')"
KEYTURN_ADMIN_KEY="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
export KEYTURN_ADMIN_KEY
KEYTURN_PUBLIC_URL="" RUST_LOG=warn \
  "$KEYTURN_BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 150); do
  if "$PY" -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/openapi.json", timeout=1)' "$URL" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
"$PY" tests/browser/console_test.py "$URL" "$OUT" || {
  echo "the console's browser suite failed (screenshots in $OUT); the server's log:" >&2
  tail -50 "$WORK/serve.log" >&2
  exit 1
}
# Passkeys with Chromium's virtual authenticator, against the same server (apps of its own).
"$PY" tests/browser/passkey_test.py "$URL" || {
  echo "the passkey browser test failed; the server's log:" >&2
  tail -50 "$WORK/serve.log" >&2
  exit 1
}
