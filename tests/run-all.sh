#!/usr/bin/env bash
# The whole test suite: Rust unit + integration tests, then the browser tests
# (headless Chromium driven by playwright-core against the built demo guide,
# served on 127.0.0.1). Installs what it needs on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# `cargo test` builds target/debug/inkproof for the integration tests; the docs
# check and the browser tests use that one, so the crate compiles once.
export INKPROOF_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/inkproof"

echo "== cargo test"
cargo test --all-targets

echo "== docs check"
[ -x "$INKPROOF_BIN" ] || cargo build --quiet
"$INKPROOF_BIN" --root docs check --deny-warnings

if [ -f tests/browser/package.json ]; then
  echo "== browser tests"
  (cd tests/browser && npm install --no-audit --no-fund --silent)
  node --test tests/browser/
fi
