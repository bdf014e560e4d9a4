#!/usr/bin/env bash
# The long fuzz run, outside CI: every property suite of tests/tests/e2e/fuzz.rs with
# KEYTURN_FUZZ_CASES cases each (default 5000; CI runs 64), then schemathesis against a real
# `keyturn serve` with KEYTURN_ST_MAX_EXAMPLES examples per operation and phase (default 250,
# CI 10) and its stateful phase. Same tools, moto and seeding as tests/run.sh, which it runs in
# its fuzz mode; a run takes tens of minutes on 2 cores. Prints schemathesis's request count.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export KEYTURN_SUITE=fuzz
export KEYTURN_FUZZ_CASES="${KEYTURN_FUZZ_CASES:-5000}"
export KEYTURN_ST_MAX_EXAMPLES="${KEYTURN_ST_MAX_EXAMPLES:-250}"
export KEYTURN_ST_PHASES="${KEYTURN_ST_PHASES:-examples,coverage,fuzzing,stateful}"
exec bash tests/run.sh
