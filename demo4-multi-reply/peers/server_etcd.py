"""A section 4 server in Python that registers itself in etcd — the same contract as
`demo4-server --register`, with the standard library only (plus pyzmq for the socket).

It talks to etcd's JSON gateway (HTTP + JSON in front of the gRPC API; keys and values are
base64): POST /v3/lease/grant {"TTL": 3} -> {"ID": "..."}; POST /v3/kv/put {"key", "value",
"lease"}; POST /v3/lease/keepalive {"ID"} every TTL/3; on Ctrl-C POST /v3/lease/revoke {"ID"}.
The key is /rpc/demo4/<name>, the value the endpoint clients connect to.

Run: python peers/server_etcd.py
  ZMQ_ENDPOINT (default tcp://127.0.0.1:5555), SERVER_NAME (default the host name),
  ETCD_ENDPOINTS (comma-separated, default http://127.0.0.1:2379; the first that answers),
  TTL (seconds, default 3).
"""
import base64
import json
import os
import signal
import socket
import sys
import threading
import urllib.request

import zmq

endpoint = os.environ.get("ZMQ_ENDPOINT", "tcp://127.0.0.1:5555")
name = os.environ.get("SERVER_NAME") or socket.gethostname()
registries = os.environ.get("ETCD_ENDPOINTS", "http://127.0.0.1:2379").split(",")
ttl = int(os.environ.get("TTL", "3"))
key = "/rpc/demo4/" + name


def b64(text):
    return base64.b64encode(text.encode()).decode()


def call(path, body):
    """POST one JSON request to the first etcd that answers (2 s each)."""
    last = None
    for registry in registries:
        request = urllib.request.Request(
            registry.rstrip("/") + path, data=json.dumps(body).encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:
                return json.load(reply)
        except OSError as error:
            last = error
    raise SystemExit(f"error: cannot reach etcd at {','.join(registries)} ({path}: {last})")


context = zmq.Context()
server = context.socket(zmq.REP)
server.linger = 0
server.bind(endpoint)

lease = call("/v3/lease/grant", {"TTL": ttl})["ID"]
claim = {
    "compare": [{"key": b64(key), "target": "CREATE", "result": "EQUAL", "create_revision": "0"}],
    "success": [{"request_put": {"key": b64(key), "value": b64(endpoint), "lease": lease}}],
}
if not call("/v3/kv/txn", claim).get("succeeded"):
    call("/v3/lease/revoke", {"ID": lease})
    raise SystemExit(f"error: the name {name} is already registered by a live server (key {key})")
print(f"registered (lease {ttl} s) key={key} endpoint={endpoint}", file=sys.stderr, flush=True)

stop = threading.Event()
signal.signal(signal.SIGINT, lambda *_: stop.set())
signal.signal(signal.SIGTERM, lambda *_: stop.set())


def keep_alive():
    while not stop.wait(ttl / 3):
        try:
            call("/v3/lease/keepalive", {"ID": lease})
        except SystemExit as error:  # etcd away: try again next round
            print(error, file=sys.stderr, flush=True)


threading.Thread(target=keep_alive, daemon=True).start()

server.rcvtimeo = 100  # ms: look at `stop` ten times a second
while not stop.is_set():
    try:
        frames = server.recv_multipart()
    except zmq.Again:
        continue
    print(f"Get message: {frames}", flush=True)
    server.send(name.encode())

call("/v3/lease/revoke", {"ID": lease})
print("registration revoked", file=sys.stderr, flush=True)
