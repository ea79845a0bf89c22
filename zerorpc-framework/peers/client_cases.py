# zerorpc-python's own client test cases (its tests/test_client.py, test_client_heartbeat.py,
# test_reqstream.py, test_server.py), restated for the matrix: the same server methods, and
# the same checks made by the real zerorpc-python client against any server.
# Run: .venv/bin/python peers/client_cases.py server ENDPOINT   (the methods, heartbeat 0.2 s)
#      .venv/bin/python peers/client_cases.py client ENDPOINT   (prints `ok CASE` per case)
import sys

import gevent
import zerorpc
from zerorpc import zmq

TIME_FACTOR = 0.2  # zerorpc's own tests scale every wait by this (their ZPC_TEST_TIME_FACTOR)
role, endpoint = sys.argv[1], sys.argv[2]


class MySrv(zerorpc.Server):
    def lolita(self):
        return 42

    def add(self, a, b):
        return a + b

    def raise_something(self, a):
        return a[4]

    def raise_error(self):
        raise RuntimeError("oops!")

    def range(self, max):
        return list(range(max))

    @zerorpc.stream
    def xrange(self, max):
        return range(max)

    @zerorpc.stream
    def iter(self):
        return range(42)

    def slow(self):
        gevent.sleep(TIME_FACTOR * 3)  # three heartbeat intervals: lost without heartbeats
        return 2


def cases():
    def client(**options):
        options.setdefault("heartbeat", TIME_FACTOR)
        return zerorpc.Client(endpoint, **options)

    def remote_error(call):
        try:
            call()
        except zerorpc.RemoteError as e:
            return [e.name, e.msg]
        return "no RemoteError"

    def v1_error():
        events = zerorpc.Events(zmq.DEALER)
        events.connect(endpoint)
        channel = zerorpc.ChannelMultiplexer(events, ignore_broadcast=True).channel()
        channel.emit("donotexist", (), xheader={"v": 1})
        event = channel.recv(timeout=5)
        events.close()
        return [event.name, list(event.args)]

    def timeout():
        try:
            client(timeout=TIME_FACTOR * 2).slow()
        except zerorpc.TimeoutExpired:
            return "TimeoutExpired"
        return "answered"

    def stream_after_a_pause():
        r = client().xrange(10)
        gevent.sleep(TIME_FACTOR * 4)  # the case itself: a consumer that waits
        return list(r)

    def drop_a_stream():
        # As the original (test_client_drop_stream): in a greenlet, which zerorpc-python's own
        # heartbeat may then end with LostRemote while it sleeps on the unread stream; the
        # original's join() ignores that, and so do we. The server must serve on.
        consumed = []

        def consume():
            i = client().xrange(500)
            consumed.append([next(i) for _ in range(142)] == list(range(142)))
            gevent.sleep(TIME_FACTOR * 3)

        gevent.spawn(consume).join()
        return [consumed, client().lolita()]

    yield "lolita", lambda: client().lolita(), 42
    yield "add", lambda: client().add(1, 4), 5
    yield "raise_something(42)", lambda: remote_error(lambda: client().raise_something(42)), [
        "TypeError", "'int' object is not subscriptable"]
    yield "raise_something(range(5))", lambda: client().raise_something(list(range(5))), 4
    yield "raise_error", lambda: remote_error(lambda: client().raise_error()), ["RuntimeError", "oops!"]
    yield "unknown method", lambda: remote_error(lambda: client().donotexist()), ["NameError", "donotexist"]
    yield "v1 error", v1_error, ["ERR", ["NameError('donotexist')"]]
    yield "timeout", timeout, "TimeoutExpired"
    yield "slow on heartbeats", lambda: client().slow(), 2
    yield "range 10", lambda: client().range(10), list(range(10))
    yield "stream 10 after a pause", stream_after_a_pause, list(range(10))
    yield "stream 42", lambda: list(client().iter()), list(range(42))
    yield "142 of a stream, dropped", drop_a_stream, [[True], 42]


if role == "server":
    server = MySrv(heartbeat=TIME_FACTOR)
    server.bind(endpoint)
    print("serving", endpoint, flush=True)
    server.run()
else:
    for name, case, want in cases():
        try:
            got = case()
        except Exception as e:  # a case that raises fails, with the reason
            got = "%s: %s" % (type(e).__name__, e)
        print("ok " + name if got == want else "FAIL %s: got %r, want %r" % (name, got, want), flush=True)
