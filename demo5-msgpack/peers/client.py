# The tutorial's Python client (section 5): REQ socket to port 5555, MessagePack payload.
# Sends ["hello", "world"] and prints the decoded reply: ['world', 'hello'].
# Run: .venv/bin/python peers/client.py   (ZMQ_ENDPOINT overrides the endpoint, for the tests)
import os

import msgpack
import zmq

endpoint = os.environ.get("ZMQ_ENDPOINT", "tcp://localhost:5555")

context = zmq.Context()
socket = context.socket(zmq.REQ)
socket.connect(endpoint)

socket.send(msgpack.packb(["hello", "world"]))
print(msgpack.unpackb(socket.recv()))
