#!/usr/bin/env python3
"""The tutorial's JSON-RPC client, as its old Python library does it over raw TCP.

For every call: connect to 127.0.0.1:31415, send ONE JSON request with no delimiter, read the
reply (recv, then keep reading while more arrives within 0.1 s), close. Then it prints each result
as JSON. At its defaults it makes the tutorial's two calls:

    echo("hello world")           -> "hello world"
    search(last_name="Python")    -> [[1, "Python", "Monty", "555-0101"], ...]

and one call to a method that does not exist, printed as `error -32601 Method not found`.

Testing knobs (defaults are the tutorial's): JSONRPC_ADDR=host:port for another TCP address, or
JSONRPC_URL=http://... to POST the same requests over HTTP instead.
"""
import json
import os
import select
import socket
import sys
import urllib.request

ADDR = os.environ.get("JSONRPC_ADDR", "127.0.0.1:31415")
URL = os.environ.get("JSONRPC_URL")
TIMEOUT = 5.0
LIMIT = 4096


class RpcError(Exception):
    pass


def dumps_request(method, params=(), id=0):
    # The library writes the request by hand, in this order and with these spaces.
    if params:
        return '{"jsonrpc": "2.0", "method": %s, "params": %s, "id": %s}' % (
            json.dumps(method), json.dumps(params), json.dumps(id))
    return '{"jsonrpc": "2.0", "method": %s, "id": %s}' % (json.dumps(method), json.dumps(id))


def sendrecv_tcp(data):
    host, port = ADDR.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    try:
        s.sendall(data.encode("utf-8"))          # no newline, no length: just the JSON
        reply = s.recv(LIMIT)
        while select.select((s,), (), (), 0.1)[0]:
            more = s.recv(LIMIT)
            if not more:
                break
            reply += more
        return reply.decode("utf-8")
    finally:
        s.close()


def sendrecv_http(data):
    req = urllib.request.Request(URL, data=data.encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        return resp.read().decode("utf-8")


class ServerProxy:
    """server.method(*args) or server.method(**kwargs), as the library offers it."""

    def __getattr__(self, name):
        def call(*args, **kwargs):
            if args and kwargs:
                raise ValueError("Only positional or named parameters are allowed!")
            request = dumps_request(name, kwargs or list(args))
            reply = (sendrecv_http if URL else sendrecv_tcp)(request)
            if not reply:
                raise RpcError("empty reply")
            reply = json.loads(reply)
            if "error" in reply:
                raise RpcError("error %s %s" % (reply["error"]["code"], reply["error"]["message"]))
            return reply["result"]
        return call


def main():
    server = ServerProxy()
    print(json.dumps(server.echo("hello world")))
    print(json.dumps(server.search(last_name="Python")))
    try:
        server.no_such_method()
        print("unexpected: no error")
        return 1
    except RpcError as e:
        print(e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
