# The tutorial's Python RPC client (section 6): REQ socket to port 5555, MessagePack payload.
# Calls plus(1, 2, 2, 3, 3, 4, 2, 3, -1) and prints the decoded reply: 19.
# Run: .venv/bin/python peers/client.py   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
import os

import msgpack
import zmq

endpoint = os.environ.get("ZMQ_ENDPOINT", "tcp://localhost:5555")

context = zmq.Context()
socket = context.socket(zmq.REQ)
socket.connect(endpoint)

request = {"function_name": "plus", "parameters": [1, 2, 2, 3, 3, 4, 2, 3, -1]}
socket.send(msgpack.packb(request))
print(msgpack.unpackb(socket.recv()))
