#!/usr/bin/env bash
# A private 3-node RabbitMQ cluster on this machine, for section 7's "When one broker is not
# enough" (amqp-fibonacci/README.md):
#
#   scripts/rabbitmq-cluster.sh start    # nodes rpc-a, rpc-b, rpc-c on 127.0.0.1:5673-5675
#   scripts/rabbitmq-cluster.sh status   # which nodes run, and the cluster they form
#   scripts/rabbitmq-cluster.sh stop     # stops exactly the nodes `start` started
#
# Everything lives under target/rabbitmq-cluster/ (data, logs, its own Erlang cookie, pid files);
# the system's RabbitMQ on 5672 is never touched. Why the package's own scripts and not the
# `rabbitmq-server` on the PATH: those wrappers switch to the `rabbitmq` user and share the system
# node's cookie. The Rust tests start the same kind of cluster on ephemeral ports
# (amqp-fibonacci/src/cluster.rs); the steps are the same: boot three nodes, then
# `stop_app; join_cluster; start_app` on the second and the third.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NAMES=(rpc-a rpc-b rpc-c)
PORTS=(5673 5674 5675)        # AMQP
DIST_PORTS=(25673 25674 25675) # Erlang distribution (node to node, and the CLI tools)
BOOT_WITHIN=120               # seconds, for each wait below
DIR="${CARGO_TARGET_DIR:-target}/rabbitmq-cluster"
SBIN=$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | tail -n 1)

die() { echo "rabbitmq-cluster: $*" >&2; exit 1; }
[ -n "$SBIN" ] || die "RabbitMQ is not installed (run scripts/setup.sh)"
mkdir -p "$DIR/home"
DIR=$(cd "$DIR" && pwd)
# The CLI tools read the cookie from $HOME: ours, never the system node's.
ctl() { HOME="$DIR/home" "$SBIN/rabbitmqctl" "$@"; }
diag() { HOME="$DIR/home" "$SBIN/rabbitmq-diagnostics" "$@"; }
node() { echo "${NAMES[$1]}@localhost"; }
alive() { [ -f "$DIR/${NAMES[$1]}.pgid" ] && kill -0 "$(cat "$DIR/${NAMES[$1]}.pgid")" 2>/dev/null; }

# Waits (bounded) until `rabbitmq-diagnostics check_running` says the node is up.
# (`rabbitmqctl await_startup` exits at once while the node is not registered yet.)
await_running() {
  local deadline=$((SECONDS + BOOT_WITHIN))
  until diag -q -n "$(node "$1")" check_running >/dev/null 2>&1; do
    alive "$1" || die "node $(node "$1") died while booting: see $DIR/${NAMES[$1]}.out"
    [ $SECONDS -lt $deadline ] || die "node $(node "$1") not running within ${BOOT_WITHIN}s"
    sleep 1
  done
}

start_node() {
  local i=$1 name=${NAMES[$1]}
  mkdir -p "$DIR/$name"
  : >"$DIR/enabled_plugins"
  : >"$DIR/rabbitmq-env.conf"
  : >"$DIR/rabbitmq.conf"
  # setsid: the node gets a process group of its own (its id is the pgid), so `stop` can end
  # exactly it, and a Ctrl-C in this terminal does not reach it.
  HOME="$DIR/home" \
    RABBITMQ_NODENAME="$(node "$i")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="${PORTS[$i]}" \
    RABBITMQ_DIST_PORT="${DIST_PORTS[$i]}" \
    RABBITMQ_MNESIA_BASE="$DIR/$name/mnesia" \
    RABBITMQ_LOG_BASE="$DIR/$name/log" \
    RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf" \
    RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" \
    RABBITMQ_PID_FILE="$DIR/$name.pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+S 1:1" \
    setsid "$SBIN/rabbitmq-server" >"$DIR/$name.out" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pgid"
}

flags() {
  for i in 0 1 2; do printf -- '--amqp-url amqp://guest:guest@127.0.0.1:%s/%%2f ' "${PORTS[$i]}"; done
  echo
}

case "${1:-}" in
start)
  # A node that runs already is left alone: `start` after a node was killed restarts just it.
  for i in 0 1 2; do
    alive "$i" && continue
    if (exec 3<>"/dev/tcp/127.0.0.1/${PORTS[$i]}") 2>/dev/null; then
      die "port ${PORTS[$i]} is taken by something else"
    fi
  done
  if [ ! -f "$DIR/home/.erlang.cookie" ]; then
    head -c 30 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/home/.erlang.cookie"
    chmod 400 "$DIR/home/.erlang.cookie"
  fi
  for i in 0 1 2; do
    if alive "$i"; then
      echo "$(node "$i") runs already"
    else
      echo "starting $(node "$i") (data and logs in $DIR/${NAMES[$i]}) ..."
      start_node "$i"
    fi
  done
  for i in 0 1 2; do await_running "$i"; done
  for i in 1 2; do
    # A node restarted from its data dir is a member already; only a fresh one joins.
    if ! ctl -q -n "$(node 0)" cluster_status --formatter json | grep -q "\"$(node "$i")\""; then
      ctl -q -n "$(node "$i")" stop_app
      ctl -q -n "$(node "$i")" join_cluster "$(node 0)"
      ctl -q -n "$(node "$i")" start_app
    fi
  done
  for i in 0 1 2; do await_running "$i"; done
  echo "cluster running: $(node 0) :${PORTS[0]}, $(node 1) :${PORTS[1]}, $(node 2) :${PORTS[2]}"
  echo "pass these to amqp-rpc-server and amqp-rpc-client:"
  flags
  ;;
status)
  for i in 0 1 2; do
    if alive "$i"; then
      echo "$(node "$i") on port ${PORTS[$i]}: process group $(cat "$DIR/${NAMES[$i]}.pgid")"
    else
      echo "$(node "$i") on port ${PORTS[$i]}: not running"
    fi
  done
  for i in 0 1 2; do
    if alive "$i"; then
      echo "running in the cluster, as $(node "$i") sees it:" \
        "$(ctl -q -n "$(node "$i")" cluster_status --formatter json |
          grep -o '"running_nodes":\[[^]]*\]' | sed 's/.*\[//; s/\]//; s/"//g; s/,/, /g')"
      break
    fi
  done
  ;;
stop)
  for i in 0 1 2; do
    alive "$i" || { rm -f "$DIR/${NAMES[$i]}.pgid"; continue; }
    # A clean stop first (bounded), then whatever is left of the node's own process group.
    timeout 60 env HOME="$DIR/home" "$SBIN/rabbitmqctl" -q -n "$(node "$i")" stop \
      >/dev/null 2>&1 || true
    kill -KILL -- "-$(cat "$DIR/${NAMES[$i]}.pgid")" 2>/dev/null || true
    rm -f "$DIR/${NAMES[$i]}.pgid"
    echo "stopped $(node "$i")"
  done
  ;;
*)
  echo "usage: $0 start|status|stop" >&2
  exit 2
  ;;
esac
