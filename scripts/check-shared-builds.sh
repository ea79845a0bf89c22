#!/usr/bin/env bash
# After `cargo build -p tour` (what scripts/tour.sh builds), a student's first
# `cargo run -p <section>` must compile nothing but that section's own binaries: no second
# variant of libzmq (zmq-sys) or of any other shared dependency. A variant appears when a
# `-p` build resolves other features for a shared crate than the tour did; the
# `workspace-hack` crate pins one feature set for all of them (docs/building.md).
#
# Usage: scripts/check-shared-builds.sh [PACKAGE…] (default: every section crate). Exit 1, with
# the crates that were compiled again, when any package rebuilds a dependency.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ $# -eq 0 ]; then
  set -- demo1-reqrep demo2-polyglot demo3-pubsub-pushpull demo4-multi-reply demo5-msgpack \
    demo6-rpc-server zerorpc-framework amqp-fibonacci xmlrpc-calc jsonrpc-search
fi

# Only the packages that exist in this checkout.
members=" $(cargo metadata --format-version 1 --no-deps 2>/dev/null |
  python3 -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["packages"]))') "

cargo build --quiet -p tour
failed=0
for package in "$@"; do
  case "$members" in *" $package "*) ;; *) continue ;; esac
  start=$(date +%s%N)
  # Every artifact cargo compiled (not "fresh") that does not come from this workspace.
  rebuilt=$(cargo build -p "$package" --bins --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and not m["fresh"]:
        if not m["package_id"].startswith("path+"):
            print(m["package_id"].rsplit("#", 1)[-1])
' | sort -u | tr '\n' ' ')
  took_ms=$((($(date +%s%N) - start) / 1000000))
  if [ -n "$rebuilt" ]; then
    echo "check-shared-builds: $package compiled shared crates again: $rebuilt($((took_ms / 1000)).$((took_ms % 1000 / 100)) s)"
    failed=1
  else
    echo "check-shared-builds: $package: no shared crate compiled again ($((took_ms / 1000)).$((took_ms % 1000 / 100)) s)"
  fi
done
zmq=$(find "${CARGO_TARGET_DIR:-target}/debug/build" -maxdepth 1 -name 'zmq-sys-*' 2>/dev/null | wc -l)
echo "check-shared-builds: target/debug/build holds $zmq zmq-sys-* folders (one variant = 2: its build script and its output)"
exit $failed
