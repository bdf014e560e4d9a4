#!/usr/bin/env bash
# How long `keyturn doctor` takes over moto, for the figure in docs/operations.md: writes N users
# (as the account flows do) into a fresh table and times checks of the app and of the whole
# table, for each N given (default: 1000 2000 5000). Needs moto on KEYTURN_TEST_AWS_ENDPOINT (as
# tests/run.sh starts it) and a built test binary. Prints the `doctor-figure` lines.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 2000 5000}")
for n in ${sizes[@]}; do
    out=$(DOCTOR_USERS="$n" cargo test -q -p keyturn-tests --test e2e -- --ignored --nocapture \
        doctor::how_long_a_check_takes_over_moto 2>&1) || { echo "$out" | tail -30; exit 1; }
    echo "$out" | grep '^doctor-figure'
done
