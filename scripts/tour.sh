#!/usr/bin/env bash
# Walk through the whole tutorial in one process: `cargo run -p tour`, after setup.
# Extra arguments go to the tour (e.g. `scripts/tour.sh --section demo1`, `--list`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
exec cargo run --quiet -p tour -- "$@"
