"""The tutorial's XML-RPC calculator server in Python: SimpleXMLRPCServer + ThreadingMixIn.

Serves add, subtract, multiply, divide (floor division, as Python 2's `/` on ints), sleep,
system.multicall and system.listMethods at `/` and `/RPC2`, on localhost:8000 like the tutorial.
The port may be given as the first argument or in XMLRPC_PORT (tests use a free port).
Partner: xmlrpc-client (Rust) or peers/client.py.
"""
import os
import sys
import time
from socketserver import ThreadingMixIn
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

PORT = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("XMLRPC_PORT", "8000"))


class RequestHandler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")


class ThreadedXMLRPCServer(ThreadingMixIn, SimpleXMLRPCServer):
    """One thread per request: slow calls no longer queue behind each other."""
    daemon_threads = True


def add(x, y):
    return x + y


def subtract(x, y):
    return x - y


def multiply(x, y):
    return x * y


def divide(x, y):
    return x // y  # Python 2's 7/3 == 2


def sleep(seconds):
    if not 0 <= seconds <= 30:
        raise ValueError("sleep takes 0 to 30 seconds, got %s" % seconds)
    time.sleep(seconds)
    return seconds


server = ThreadedXMLRPCServer(("localhost", PORT), requestHandler=RequestHandler, logRequests=False)
server.register_introspection_functions()
server.register_multicall_functions()
for function in (add, subtract, multiply, divide, sleep):
    server.register_function(function)

print("Listening on port %d..." % PORT, flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
