#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this file):
# setup (idempotent), formatting, clippy with warnings as errors, then every test of the
# workspace, including the PHP/Python interop matrices, the RabbitMQ and etcd tests and the
# network-namespace test (root only), a quick smoke run of the benchmark harness with the
# binaries the tests built, and the check that a section's own `cargo run` after the tour
# compiles no shared dependency again. What each step costs: docs/building.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() {
  printf '== %s\n' "$*"
  STEP_START=$(date +%s)
}
took() { printf '   (%d s)\n' "$(($(date +%s) - STEP_START))"; }

scripts/setup.sh
# Peers are installed now: a missing php, python, broker or etcd is a failure, not a skip.
export REQUIRE_PEERS=1

step "cargo fmt --check"
cargo fmt --all -- --check
took
step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
took
step "cargo test"
cargo test --workspace --quiet -- --nocapture
took
# The smoke run reuses the debug binaries `cargo test` has just built (no second build in
# release); real figures come from `cargo run --release -p bench`.
step "bench --quick (a smoke run of every benchmark scenario; no timing assertions)"
"${CARGO_TARGET_DIR:-target}/debug/bench" --quick --no-build
took
step "one build of every shared dependency (scripts/check-shared-builds.sh)"
scripts/check-shared-builds.sh
took
