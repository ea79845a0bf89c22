#!/usr/bin/env bash
# Prepare this machine for the workspace: the PHP and Python peers, a RabbitMQ broker,
# etcd (section 4's registry; tests start their own instances, never a system one), the real
# zerorpc package (section 6½), chromium and chromedriver (the test of the tour's pages, headless),
# a C++ compiler for the vendored libzmq. Idempotent: run it as often as you like; it only
# installs what is missing and only starts RabbitMQ when nothing answers on port 5672.
#
# Used by: scripts/tour.sh, scripts/test.sh (README quick start), .ci/run, the Vagrantfile.
# Works as root; otherwise it uses sudo for apt and the broker.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
AMQP_PORT=5672
APT_PACKAGES=(php-cli php-zmq php-msgpack rabbitmq-server etcd-server etcd-client protobuf-compiler python3-venv python3-pip g++ make iproute2 chromium chromium-driver)
# zerorpc 0.6.3 does not work with pyzmq 23.0.0: pin around that one release.
PY_PACKAGES=("pyzmq!=23.0.0" msgpack pika zerorpc==0.6.3)

say() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

# 1. Debian packages: install only what dpkg says is missing.
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages present (${APT_PACKAGES[*]})"
fi

# 2. The Python virtualenv the peers run in (.venv at the workspace root).
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the Python venv $VENV"
  python3 -m venv "$VENV" 2>/dev/null || /usr/bin/python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import zmq, msgpack, pika, zerorpc' 2>/dev/null; then
  say "installing into the venv: ${PY_PACKAGES[*]}"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
else
  say "Python venv ready ($VENV: ${PY_PACKAGES[*]})"
fi

# 3. RabbitMQ: start it unless something already answers on 5672, then wait for it.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null; }
if port_open; then
  say "RabbitMQ already answers on 127.0.0.1:$AMQP_PORT"
else
  say "starting RabbitMQ"
  if [ -d /run/systemd/system ] && systemctl is-system-running >/dev/null 2>&1; then
    "${SUDO[@]}" systemctl start rabbitmq-server
  else
    # No systemd (containers, CI): start the broker detached as its own user.
    "${SUDO[@]}" rabbitmq-server -detached >/dev/null 2>&1 || "${SUDO[@]}" service rabbitmq-server start
  fi
  for _ in $(seq 1 120); do
    port_open && break
    sleep 1
  done
  if ! port_open; then
    say "RabbitMQ did not answer on port $AMQP_PORT within 120 s; see /var/log/rabbitmq/"
    exit 1
  fi
  say "RabbitMQ answers on 127.0.0.1:$AMQP_PORT"
fi

# 4. Rust itself (the Vagrantfile installs it with rustup; elsewhere it is the user's toolchain).
if ! command -v cargo >/dev/null 2>&1; then
  say "cargo is not installed: install Rust with rustup (https://rustup.rs), then run this again"
  exit 1
fi
say "ready"
