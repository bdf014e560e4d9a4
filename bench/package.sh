#!/usr/bin/env bash
# Builds the Lambda zips with cargo-lambda and prints the build time and each zip's size.
#
#   bash bench/package.sh            # the two multi-call bootstraps the functions' zips carry
#   bash bench/package.sh --sam      # `sam build` of the whole stack instead (template.yaml)
#
# Tools (cargo-lambda, zig, aws-sam-cli) are installed into a venv beside the test tools on first
# use. This machine cannot download the aarch64 standard library, so unless
# `rustup target list --installed` has aarch64-unknown-linux-gnu the zips are built for x86_64
# (`--sam` then builds a copy of the template switched to x86_64); the template stays arm64.
# Set CLEAN=1 to build in a fresh target directory (what a user's first `sam build` pays).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TOOLS_DIR="${KEYTURN_TOOLS_DIR:-$HOME/.cache/keyturn-tools}"
VENV="$TOOLS_DIR/lambda-venv"
if ! "$VENV/bin/python" - <<'PY' 2>/dev/null
from importlib.metadata import version
assert (version("cargo-lambda"), version("ziglang"), version("aws-sam-cli")) == ("1.9.2", "0.17.1", "1.170.0")
PY
then
  rm -rf "$VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    cargo-lambda==1.9.2 ziglang==0.17.1 aws-sam-cli==1.170.0
fi
# First on PATH: cargo-lambda finds zig through the first python3.
export PATH="$VENV/bin:$PATH"

if rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$'; then
  ARCH_FLAG=--arm64 ARCH=arm64
else
  ARCH_FLAG=--x86-64 ARCH=x86_64
fi

SRC="$PWD"
if [[ "${CLEAN:-}" == 1 ]]; then
  BUILD_DIR="$(mktemp -d)"
  trap 'rm -rf "$BUILD_DIR"' EXIT
  git ls-files -z | xargs -0 -I{} cp --parents {} "$BUILD_DIR"/
  cd "$BUILD_DIR"
fi

start=$(date +%s)
if [[ "${1:-}" == --sam ]]; then
  template=template.yaml
  if [[ "$ARCH" == x86_64 ]]; then
    sed 's/^      - arm64$/      - x86_64/' template.yaml > template.x86_64.yaml
    template=template.x86_64.yaml
  fi
  sam build --template-file "$template" >build.log 2>&1 || { tail -40 build.log; exit 1; }
  secs=$(( $(date +%s) - start ))
  echo "sam build ($ARCH, $([[ "${CLEAN:-}" == 1 ]] && echo clean || echo warm) target): ${secs}s"
  for dir in .aws-sam/build/*/; do
    [[ -f "$dir/bootstrap" ]] || continue
    (cd "$dir" && zip -q -9 "/tmp/keyturn-size-$$.zip" bootstrap)
    printf '%-34s bootstrap %6.2f MiB  zip %5.2f MiB (%s bytes)\n' "$(basename "$dir")" \
      "$(echo "$(stat -c %s "$dir/bootstrap") / 1048576" | bc -l)" \
      "$(echo "$(stat -c %s /tmp/keyturn-size-$$.zip) / 1048576" | bc -l)" "$(stat -c %s /tmp/keyturn-size-$$.zip)"
    rm -f "/tmp/keyturn-size-$$.zip"
  done
else
  cargo lambda build --release "$ARCH_FLAG" --bin keyturn-lambda --bin keyturn-lambda-admin \
    --output-format zip
  secs=$(( $(date +%s) - start ))
  echo "cargo lambda build ($ARCH, $([[ "${CLEAN:-}" == 1 ]] && echo clean || echo warm) target): ${secs}s"
  for bin in keyturn-lambda keyturn-lambda-admin; do
    zip=target/lambda/$bin/bootstrap.zip
    printf '%-22s %s: %.2f MiB (%s bytes; budget <= 3.5 MB = 3500000 bytes)\n' "$bin.zip" \
      "$([[ $bin == keyturn-lambda ]] && echo "(every end-user function)" || echo "(admin)")" \
      "$(echo "$(stat -c %s "$zip") / 1048576" | bc -l)" "$(stat -c %s "$zip")"
    [[ "${CLEAN:-}" == 1 ]] && cp "$zip" "$SRC/target/$bin-$ARCH.zip" || true
  done
fi
