# zerorpc-python's two patterns without a reply, for tests/patterns.rs: Pusher/Puller
# (PUSH/PULL) and Publisher/Subscriber (PUB/SUB), each side with the real library.
# Run: .venv/bin/python peers/patterns.py push|publish ENDPOINT     (binds, sends lolita(1, 2)
#                                                                   every 0.1 s for 10 s)
#      .venv/bin/python peers/patterns.py pull|subscribe ENDPOINT   (connects, prints the call)
# The receiving side prints `lolita 1 2` for the first call it gets, then exits 0.
import sys

import gevent
import zerorpc

role, endpoint = sys.argv[1], sys.argv[2]


class Methods:
    def __init__(self):
        self.receiver = None

    def lolita(self, a, b):
        print("lolita", a, b, flush=True)
        self.receiver.stop()


if role in ("push", "publish"):
    sender = zerorpc.Pusher() if role == "push" else zerorpc.Publisher()
    sender.bind(endpoint)
    print("bound", endpoint, flush=True)
    # zerorpc queues the event for a sending greenlet, which waits for a puller (PUSH) or
    # sends at once and loses it if nobody has subscribed yet (PUB, the "slow joiner"); so
    # this sender repeats, as zerorpc-python's own test does, until the test stops it.
    for _ in range(100):
        sender.lolita(1, 2)
        gevent.sleep(0.1)
else:
    methods = Methods()
    receiver = zerorpc.Puller(methods) if role == "pull" else zerorpc.Subscriber(methods)
    methods.receiver = receiver
    receiver.connect(endpoint)
    print("connected", endpoint, flush=True)
    receiver.run()
