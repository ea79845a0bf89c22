# The real zerorpc-python server (section 6½): the same methods as zerorpc-server, for the
# interop matrix, the differential test and for a student to run against our client.
# Run: .venv/bin/python peers/server.py   (ZMQ_ENDPOINT overrides tcp://127.0.0.1:4242)
#
# Plain functions in a dict (zerorpc.Server accepts one), not methods of a class, so that
# Python's own TypeError reads `add() takes 2 positional arguments but 3 were given`, as ours
# does, rather than `Methods.add() takes 3 …` (a class would name itself and count `self`).
#
# zerorpc 0.6.3 on Python 3.11: calling this server's `_zerorpc_inspect` fails (zerorpc uses
# `inspect.getargspec`, removed in Python 3.11); every other call works.
import os

import gevent
import zerorpc

endpoint = os.environ.get("ZMQ_ENDPOINT", "tcp://127.0.0.1:4242")


def add(a, b):
    """a + b, as Python computes it (numbers, strings, bytes, lists)"""
    return a + b


def plus(numbers):
    """sum(numbers), as Python computes it (demo6's call)"""
    return sum(numbers)


def hello(name):
    """a greeting"""
    return "Hello, %s!" % name


def echo(x):
    """x, unchanged, whatever its type"""
    return x


@zerorpc.stream
def count(n):
    """a stream of the integers 0 ... n-1"""
    return iter(range(n))


def sleep(seconds):
    """sleeps, then answers the seconds"""
    gevent.sleep(seconds)  # gevent's sleep: other calls go on meanwhile
    return seconds


def fail(message):
    """always fails with ValueError(message)"""
    raise ValueError(message)


methods = {f.__name__: f for f in [add, plus, hello, echo, count, sleep, fail]}
server = zerorpc.Server(methods, name="peers/server.py")
server.bind(endpoint)
print("listening on", endpoint, flush=True)
server.run()
