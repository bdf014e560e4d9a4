#!/usr/bin/env bash
# Keyturn's one test command: lints the template, checks formatting and clippy, then runs every
# test with an AWS emulator (moto's server) on a private loopback port. Needs Rust via rustup and
# Python 3.11; no Docker, no AWS account. Tools are cached in
# ${KEYTURN_TOOLS_DIR:-$HOME/.cache/keyturn-tools}/venv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
# Schemathesis lives in a venv of its own: its pins (hypothesis, jsonschema) must not move
# moto's, and the moto venv is never rebuilt because of it.
SCHEMATHESIS_VERSION=4.32.5
# Playwright drives the distribution's Chromium for the console's browser suite (tests/browser),
# also from a venv of its own; its wheel carries its driver and downloads no browser.
PLAYWRIGHT_VERSION=1.65.3
TOOLS_DIR="${KEYTURN_TOOLS_DIR:-$HOME/.cache/keyturn-tools}"
VENV="$TOOLS_DIR/venv"
ST_VENV="$TOOLS_DIR/schemathesis-venv"
BROWSER_VENV="$TOOLS_DIR/browser-venv"
PYTHON="${PYTHON:-python3}"

banner() { printf '\n==> %s\n' "$*"; }

# `all` (this script's default): every check. `fuzz` (set by tests/fuzz.sh): the same tools,
# moto and server, but only the property suites, with many more cases, and schemathesis with
# more examples and its stateful phase; no lints and no release build.
SUITE="${KEYTURN_SUITE:-all}"
case "$SUITE" in all | fuzz) ;; *) echo "KEYTURN_SUITE must be all or fuzz" >&2; exit 2 ;; esac
full() { [[ "$SUITE" == all ]]; }
ST_MAX_EXAMPLES="${KEYTURN_ST_MAX_EXAMPLES:-10}"
ST_PHASES="${KEYTURN_ST_PHASES:-examples,coverage,fuzzing}"

# Free disk where the target directory lives, so a run that dies of a full disk says so early.
# Cargo's own answer, so a target-dir set in a cargo config or CARGO_TARGET_DIR is the one
# reported, emptied and zipped from.
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
  "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
disk_report() {
  mkdir -p "$TARGET_DIR"
  printf 'disk (%s): %s free; target %s\n' "$1" \
    "$(df -Ph "$TARGET_DIR" | awk 'NR == 2 { print $4 }')" \
    "$(du -sh "$TARGET_DIR" 2>/dev/null | cut -f1)"
}
disk_report "start"

PIDS=()
WORK_DIR=""
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
}
trap cleanup EXIT

tools_complete() {
  # openapi-spec-validator (a moto dependency) validates the OpenAPI document in the e2e tests.
  [[ -x "$VENV/bin/moto_server" && -x "$VENV/bin/cfn-lint" &&
     -x "$VENV/bin/openapi-spec-validator" ]] &&
    "$VENV/bin/python" - "$MOTO_VERSION" "$CFN_LINT_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import flask  # moto[server]'s extra: without it moto_server cannot start
sys.exit(0 if (version("moto"), version("cfn-lint")) == (sys.argv[1], sys.argv[2]) else 1)
PY
}

banner "tools venv ($VENV)"
if tools_complete; then
  echo "moto $MOTO_VERSION and cfn-lint $CFN_LINT_VERSION present"
else
  # Missing or incomplete (half-finished install, deleted entry point, other versions): rebuild
  # from scratch, because pip would leave a deleted entry point missing.
  rm -rf "$VENV"
  mkdir -p "$TOOLS_DIR"
  "$PYTHON" -m venv "$VENV" || {
    echo "cannot create a venv with $PYTHON (on Debian: apt-get install python3-venv)" >&2
    exit 1
  }
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION"
  tools_complete || { echo "tools venv is still incomplete after pip install" >&2; exit 1; }
fi

schemathesis_complete() {
  [[ -x "$ST_VENV/bin/schemathesis" ]] &&
    "$ST_VENV/bin/python" - "$SCHEMATHESIS_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("schemathesis") == sys.argv[1] else 1)
PY
}

if schemathesis_complete; then
  echo "schemathesis $SCHEMATHESIS_VERSION present"
else
  rm -rf "$ST_VENV"
  "$PYTHON" -m venv "$ST_VENV"
  "$ST_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION"
  schemathesis_complete || { echo "schemathesis venv is incomplete after pip install" >&2; exit 1; }
fi

banner "rust components"
installed_components="$(rustup component list --installed)"
for component in rustfmt clippy; do
  if ! grep -q "^$component" <<<"$installed_components"; then
    rustup component add "$component"
  fi
done

# A loopback port no one listens on (the OS picks it), for moto and for `keyturn serve`.
free_port() {
  "$VENV/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

banner "start moto"
PORT="$(free_port)"
WORK_DIR="$(mktemp -d)"
MOTO_LOG="$WORK_DIR/moto.log"
# One request at a time, as DynamoDB's conditional writes and transactions are atomic (see the
# wrapper's docstring); the stock moto_server races concurrent transactions.
"$VENV/bin/python" tests/moto_serial.py 127.0.0.1 "$PORT" >"$MOTO_LOG" 2>&1 &
PIDS+=("$!")
ENDPOINT="http://127.0.0.1:$PORT"
ready=""
for _ in $(seq 1 150); do
  if "$VENV/bin/python" -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)' "$ENDPOINT" 2>/dev/null; then
    ready=yes
    break
  fi
  if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then break; fi
  sleep 0.2
done
if [[ -z "$ready" ]]; then
  echo "moto did not become ready on $ENDPOINT; its log:" >&2
  cat "$MOTO_LOG" >&2
  exit 1
fi
echo "moto ready on $ENDPOINT"

# Tests build their SDK clients from KEYTURN_TEST_AWS_ENDPOINT. AWS_ENDPOINT_URL is deliberately
# not exported, so nothing can reach real AWS by accident and nothing else is redirected.
export KEYTURN_TEST_AWS_ENDPOINT="$ENDPOINT"
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true

if full; then
banner "cfn-lint template.yaml"
"$VENV/bin/cfn-lint" template.yaml

banner "docs: every relative link in README.md and docs/ resolves"
"$PYTHON" tests/doc_links.py

banner "cargo fmt --all --check"
cargo fmt --all --check

banner "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

banner "cargo machete (unused dependencies)"
MACHETE_VERSION=0.9.2
if ! cargo machete --version 2>/dev/null | grep -qF "$MACHETE_VERSION"; then
  cargo install --locked --quiet cargo-machete --version "$MACHETE_VERSION"
fi
cargo machete

banner "cargo test --workspace"
# The CLI suite runs the real `keyturn` binary and the bootstrap suite the real `keyturn-lambda`,
# which no test target builds on its own.
cargo build -p keyturn-infra --bins -p keyturn-lambda-admin
cargo test --workspace

# The criterion benches must keep compiling. Checked over the debug build the tests just made
# (seconds); an optimised `cargo bench --no-run` compiles every dependency again in the bench
# profile (the release one, fat LTO: many minutes on 2 cores), so that is left to whoever measures.
banner "cargo bench --no-run -p keyturn-bench --profile dev"
cargo bench --no-run -p keyturn-bench --profile dev
else
banner "property suites, ${KEYTURN_FUZZ_CASES:=5000} cases each (tests/tests/e2e/fuzz.rs)"
export KEYTURN_FUZZ_CASES
cargo test -p keyturn-tests --test e2e -- fuzz::
fi

# Property-based API tests from the served OpenAPI document against a real `keyturn serve` (a
# debug build; the tests just compiled its dependencies): a fresh data dir, its own admin key,
# one seeded app and user whose ids pin the path parameters (tests/schemathesis.toml), and the
# app token, an access token and the admin key on every request. Any 5xx, undocumented status,
# wrong content type or body that breaks its schema fails the run. Bounded: 10 examples per
# operation and phase (about a minute on 2 cores); tests/fuzz.sh asks for many more, and the
# stateful phase.
banner "schemathesis against keyturn serve"
cargo build --quiet -p keyturn-infra --bin keyturn
ST_PORT="$(free_port)"
ST_URL="http://127.0.0.1:$ST_PORT"
ST_ADMIN_KEY="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(32))')"
KEYTURN_ADMIN_KEY="$ST_ADMIN_KEY" KEYTURN_PUBLIC_URL="" RUST_LOG=warn \
  "$TARGET_DIR/debug/keyturn" serve --addr "127.0.0.1:$ST_PORT" --data-dir "$WORK_DIR/st-data" \
  >"$WORK_DIR/st-serve.log" 2>&1 &
PIDS+=("$!")
# Seeds the app and user, then prints their ids and tokens as shell assignments.
ST_SEED="$("$VENV/bin/python" - "$ST_URL" "$ST_ADMIN_KEY" <<'PY'
import json, sys, time, urllib.request
url, key = sys.argv[1], sys.argv[2]
def call(method, path, body=None, headers=()):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    for k, v in headers:
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)
for _ in range(150):
    try:
        call("GET", "/openapi.json")
        break
    except OSError:
        time.sleep(0.2)
admin = [("authorization", "Bearer " + key)]
app = call("POST", "/admin/apps", {"name": "Schemathesis", "signupFlow": "none",
           "invitationEnabled": True, "anonymousLoginEnabled": True,
           "userNamesEnabled": True}, admin)
session = call("POST", "/api/appuser/signup",
               {"handle": "st@example.com", "password": "5ebe2294ecd0e0f08eab7690d2a6ee69"},
               [("app-token", app["appToken"])])
users = call("GET", "/admin/apps/%s/users" % app["appId"], None, admin)
print("ST_APP_ID=%s ST_APP_TOKEN=%s ST_ACCESS=%s ST_USER_ID=%s" % (
    app["appId"], app["appToken"], session["access-token"], users["users"][0]["userId"]))
PY
)" || { echo "seeding keyturn serve failed; its log:" >&2; cat "$WORK_DIR/st-serve.log" >&2; exit 1; }
eval "$ST_SEED"
(
  cd "$WORK_DIR"
  KEYTURN_ST_APP_ID="$ST_APP_ID" KEYTURN_ST_USER_ID="$ST_USER_ID" \
    "$ST_VENV/bin/schemathesis" --config-file "$OLDPWD/tests/schemathesis.toml" --no-color \
    run "$ST_URL/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases "$ST_PHASES" --max-examples "$ST_MAX_EXAMPLES" --workers 1 --request-timeout 20 \
    --generation-database none --seed 20261205 --warnings off \
    -H "app-token: $ST_APP_TOKEN" -H "access-token: $ST_ACCESS" \
    -H "Authorization: Bearer $ST_ADMIN_KEY"
) || { echo "schemathesis failed; the server's log:" >&2; tail -50 "$WORK_DIR/st-serve.log" >&2; exit 1; }

if ! full; then
  disk_report "end"
  banner "fuzz suites passed"
  exit 0
fi

# The developer console (/admin/console) in a real browser: the distribution's Chromium (389 MB
# under /usr, installed once, and on disk beside the debug target) driven by Playwright through two
# journeys against a fresh `keyturn serve` (tests/browser/run.sh); about 15 s once installed.
# Never `playwright install`: there is no download host.
banner "console in Chromium (tests/browser)"
browser_started=$SECONDS
CHROMIUM="${KEYTURN_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
  fi
  [[ -x "$CHROMIUM" ]] || {
    echo "no Chromium at $CHROMIUM: install the distribution's (apt-get install chromium, as root) or set KEYTURN_CHROMIUM" >&2
    exit 1
  }
fi
playwright_complete() {
  [[ -x "$BROWSER_VENV/bin/python" ]] &&
    "$BROWSER_VENV/bin/python" - "$PLAYWRIGHT_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("playwright") == sys.argv[1] else 1)
PY
}
if ! playwright_complete; then
  rm -rf "$BROWSER_VENV"
  "$PYTHON" -m venv "$BROWSER_VENV"
  "$BROWSER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "playwright==$PLAYWRIGHT_VERSION"
  playwright_complete || { echo "the Playwright venv is incomplete after pip install" >&2; exit 1; }
fi
echo "$("$CHROMIUM" --version 2>/dev/null | tail -1), playwright $PLAYWRIGHT_VERSION ($((SECONDS - browser_started)) s to check or install)"
suite_started=$SECONDS
KEYTURN_BIN="$TARGET_DIR/debug/keyturn" KEYTURN_BROWSER_PYTHON="$BROWSER_VENV/bin/python" \
  KEYTURN_CHROMIUM="$CHROMIUM" bash tests/browser/run.sh
echo "console browser suite: $((SECONDS - suite_started)) s (step $((SECONDS - browser_started)) s)"

# The held load against the Lambda bootstraps (bench/lambda_load.py, issue 20 item 6) as a 10 s
# smoke: the debug bootstraps behind its API Gateway/Runtime API gateway over a private moto, the
# mixed workload, every login and the table checker at the end. The held figures come from the
# long run (docs/reliability.md); this keeps the script working. About 20 s.
banner "Lambda bootstraps under a 10 s mixed load (bench/lambda_load.py)"
smoke_started=$SECONDS
PYTHONDONTWRITEBYTECODE=1 KEYTURN_TOOLS_DIR="$TOOLS_DIR" "$VENV/bin/python" bench/lambda_load.py \
  --seconds 10 --clients 2 --instances 1 --bin-dir "$TARGET_DIR/debug"
echo "lambda load smoke: $((SECONDS - smoke_started)) s"

# The package budget (each function zip at most 3.5 MB: small zips keep cold starts short; 3 MB
# until the binaries' crate went to opt-level 3 for Argon2's speed, docs/performance.md): both
# Lambda bootstraps, built with the release profile the deploy uses (fat LTO), zipped as Lambda takes them. A host build
# (x86_64 glibc, not cargo-lambda's zig link) comes within ~0.5% of the deployed zips, both
# measured in docs/performance.md. A size is no timing: this fails only when the
# code grows past the budget.
banner "Lambda zip size budget (<= 3,500,000 bytes each)"
disk_report "after the debug suite"
if [[ -n "${KEYTURN_CI_LOW_DISK:-}" ]]; then
  # CI only (.ci/run): every test has passed, so the debug target can go before the release
  # build needs its room. A developer's run keeps it.
  rm -rf "$TARGET_DIR/debug"
  disk_report "debug target removed"
fi
cargo build --quiet --release -p keyturn-infra -p keyturn-lambda-admin --bin keyturn-lambda --bin keyturn-lambda-admin
"$VENV/bin/python" - "$TARGET_DIR/release" <<'PY'
import io, os, sys, zipfile
over = False
for name in ("keyturn-lambda", "keyturn-lambda-admin"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(os.path.join(sys.argv[1], name), "bootstrap")
    size = len(buf.getvalue())
    print(f"{name}.zip: {size:,} bytes ({3_500_000 - size:,} under the budget)")
    over |= size > 3_500_000
sys.exit("a Lambda zip is over 3,500,000 bytes (docs/performance.md: Build time and zip size)" if over else 0)
PY

disk_report "end"
banner "all checks passed"
