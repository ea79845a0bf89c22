"""pyzmq PUSH/PULL pair for the bench's zmq-pushpull scenario (the peer of the Rust pair).

    zmq_pushpull.py pull ENDPOINT SECONDS   PULL: binds, counts messages for SECONDS
    zmq_pushpull.py push ENDPOINT SIZE      PUSH: connects, sends SIZE-byte messages

The puller prints `READY` once bound; its clock starts at the first message, and when SECONDS
have passed it prints `RESULT <messages> <elapsed seconds>`. The pusher sends until the puller
is gone (a send that cannot go for 2 s ends it) or it is killed.
"""
import sys
import time

import zmq


def pull(endpoint, seconds):
    context = zmq.Context()
    socket = context.socket(zmq.PULL)
    socket.setsockopt(zmq.RCVTIMEO, 10_000)  # no pusher within 10 s: give up
    socket.setsockopt(zmq.LINGER, 0)
    socket.bind(endpoint)
    print("READY", flush=True)
    socket.recv()
    count = 0
    start = time.perf_counter()
    # Look at the clock every 1000 messages: cheap next to 1000 receives.
    while time.perf_counter() - start < seconds:
        for _ in range(1000):
            socket.recv()
        count += 1000
    print("RESULT %d %.6f" % (count, time.perf_counter() - start), flush=True)


def push(endpoint, size):
    context = zmq.Context()
    socket = context.socket(zmq.PUSH)
    socket.setsockopt(zmq.SNDTIMEO, 2000)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    message = b"x" * size
    try:
        while True:
            socket.send(message)
    except zmq.Again:
        pass


if __name__ == "__main__":
    if sys.argv[1] == "pull":
        pull(sys.argv[2], float(sys.argv[3]))
    else:
        push(sys.argv[2], int(sys.argv[3]))
