"""pyzmq REQ/REP echo pair for the bench's zmq-reqrep scenario (the peer of the Rust pair).

    zmq_reqrep.py server ENDPOINT               REP: echo every frame back (binds ENDPOINT)
    zmq_reqrep.py client ENDPOINT SIZE SECONDS  REQ: round trips of SIZE-byte messages

The client warms up with 100 round trips, then loops for SECONDS and prints
`RESULT <round trips> <elapsed seconds>`. The server prints `READY` once bound and exits by
itself after 30 s without a request (the bench also kills it when done).
Written the way a student would write it with pyzmq: plain send/recv, nothing clever.
"""
import sys
import time

import zmq

IDLE_EXIT_MS = 30_000


def server(endpoint):
    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.bind(endpoint)
    print("READY", flush=True)
    while socket.poll(IDLE_EXIT_MS):
        socket.send(socket.recv())


def client(endpoint, size, seconds):
    context = zmq.Context()
    socket = context.socket(zmq.REQ)
    socket.setsockopt(zmq.RCVTIMEO, 5000)  # never wait forever for a reply
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    message = b"x" * size
    for _ in range(100):
        socket.send(message)
        socket.recv()
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        socket.send(message)
        socket.recv()
        calls += 1
    print("RESULT %d %.6f" % (calls, time.perf_counter() - start), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2])
    else:
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
