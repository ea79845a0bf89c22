"""The tutorial's Python client (section 4): ONE REQ socket connected to several servers.

ZeroMQ sends the requests round-robin over the connections, so the replies cycle through the
servers' names: [b'alice'], [b'bob'], [b'carol'], [b'alice'], ...

The tutorial connected to three classmates' laptops, e.g.
    ZMQ_ENDPOINTS="tcp://192.168.1.11:5555 tcp://192.168.1.12:5555 tcp://192.168.1.13:5555"
Note: like the tutorial's, this client hangs forever if one of those servers is down —
demo4-client (the Lazy Pirate) is the fix.

Run: python peers/client.py   (ZMQ_ENDPOINTS: space-separated endpoints; ZMQ_REQUESTS: how many)
"""
import os

import zmq

endpoints = os.environ.get("ZMQ_ENDPOINTS", "tcp://localhost:5555").split()
requests = int(os.environ.get("ZMQ_REQUESTS", "6"))

context = zmq.Context()
socket = context.socket(zmq.REQ)
for endpoint in endpoints:
    socket.connect(endpoint)

for _ in range(requests):
    socket.send_multipart([b"hello"])
    print(socket.recv_multipart())
