"""The tutorial's Python client (section 2): a pyzmq REQ socket pointed at the PHP echo server.

Sends the bytes b"hello" and prints "Get back message: hello". It may start before the server:
the request waits in the socket until the server binds.
Run: .venv/bin/python demo2-polyglot/peers/client.py   (ZMQ_ENDPOINT overrides the endpoint)
"""
import os

import zmq

endpoint = os.environ.get("ZMQ_ENDPOINT", "tcp://localhost:5555")

context = zmq.Context()
socket = context.socket(zmq.REQ)
socket.connect(endpoint)

socket.send(b"hello")
message = socket.recv()
print("Get back message: %s" % message.decode())
