#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this file):
# setup (idempotent), formatting, clippy with warnings as errors, then every test of the
# workspace, including the PHP/Python interop matrix, the RabbitMQ tests and the
# network-namespace test (root only), then a quick smoke run of the benchmark harness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
# Peers are installed now: a missing php or python is a failure, not a skip.
export REQUIRE_PEERS=1

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --quiet -- --nocapture
echo "== bench --quick (a smoke run of every benchmark scenario; no timing assertions)"
cargo run --release --quiet -p bench -- --quick
