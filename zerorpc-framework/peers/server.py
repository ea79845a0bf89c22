# The real zerorpc-python server (section 6½): the same methods as zerorpc-server, for the
# interop matrix and for a student to run against our client.
# Run: .venv/bin/python peers/server.py   (ZMQ_ENDPOINT overrides tcp://127.0.0.1:4242)
#
# zerorpc 0.6.3 on Python 3.11: calling this server's `_zerorpc_inspect` fails (zerorpc uses
# `inspect.getargspec`, removed in Python 3.11); every other call works.
import os

import gevent
import zerorpc

endpoint = os.environ.get("ZMQ_ENDPOINT", "tcp://127.0.0.1:4242")


class Methods:
    def add(self, a, b):
        """a + b, for integers or floats"""
        return a + b

    def plus(self, numbers):
        """the sum of a list of integers (demo6's call)"""
        return sum(numbers)

    def hello(self, name):
        """a greeting"""
        return "Hello, %s!" % name

    def echo(self, x):
        """x, unchanged, whatever its type"""
        return x

    @zerorpc.stream
    def count(self, n):
        """a stream of the integers 0 ... n-1"""
        return iter(range(n))

    def sleep(self, seconds):
        """sleeps, then answers the seconds"""
        gevent.sleep(seconds)  # gevent's sleep: other calls go on meanwhile
        return seconds

    def fail(self, message):
        """always fails with ValueError(message)"""
        raise ValueError(message)


server = zerorpc.Server(Methods(), name="peers/server.py")
server.bind(endpoint)
print("listening on", endpoint, flush=True)
server.run()
