# The real zerorpc-python client (section 6½), against zerorpc-server (or peers/server.py).
# Run: .venv/bin/python peers/client.py                  the tutorial's call: prints 19
#      .venv/bin/python peers/client.py hello Ada        any method (args: JSON, else text)
#      .venv/bin/python peers/client.py --suite NAME [--inspect-broken]
#                                     the interop checks (the tests run them; NAME: the server's
#                                     _zerorpc_name; --inspect-broken: a Python 3.11 server)
#      .venv/bin/python peers/client.py --long SECONDS   one long call, kept alive by heartbeats
# ZMQ_ENDPOINT overrides tcp://127.0.0.1:4242.
#
# zerorpc 0.6.3 on Python 3.11: its `zerorpc` command-line tool makes the call, then crashes
# before printing the answer (`collections.Iterator` is gone), so this script is the command line. The Python API works;
# an async call is `client.method(args, **{"async": True})` since `async` is a keyword.
import json
import os
import sys
import time

import gevent
import msgpack
import zerorpc

endpoint = os.environ.get("ZMQ_ENDPOINT", "tcp://127.0.0.1:4242")

# For a server started with --access-key: zerorpc's own middleware hook adds the key to the
# header of every call (the client-side half of the access-key check).
if os.environ.get("ZERORPC_ACCESS_KEY"):
    key = os.environ["ZERORPC_ACCESS_KEY"]
    zerorpc.Context.get_instance().register_middleware({"get_task_context": lambda: {"access_key": key}})


def packed(x):
    # Exact equality, types included: 1 == 1.0 and b"a" != "a" in Python, so compare bytes.
    return msgpack.packb(x, use_bin_type=True)


def suite(client, server_name, inspect_broken):
    """Each check prints `ok NAME` or `FAIL NAME: why`."""
    def check(name, fn):
        try:
            why = fn()
        except Exception as e:  # a check that raises fails, with the reason
            why = "%s: %s" % (type(e).__name__, e)
        print("ok " + name if why is None else "FAIL %s: %s" % (name, why), flush=True)

    def equal(got, want):
        return None if packed(got) == packed(want) else "got %r, want %r" % (got, want)

    def remote_error(call, name, msg):
        try:
            got = call()
        except zerorpc.RemoteError as e:
            return equal([e.name, e.msg], [name, msg])
        return "no RemoteError, got %r" % (got,)

    check("add", lambda: equal([client.add(2, 3), client.add(0.5, 0.25)], [5, 0.75]))
    check("plus", lambda: equal(client.plus([1, 2, 2, 3, 3, 4, 2, 3, -1]), 19))
    check("hello", lambda: equal(client.hello("Ada"), "Hello, Ada!"))
    values = {
        "int": [0, -1, 2**63 - 1, -(2**63), 2**64 - 1],
        "float": [0.5, -1e300],
        "str": ["", "héllo ✓"],
        "bin": [b"", b"\x00\xff\x80"],
        "nil": [None],
        "nested": [[1, [b"x", "y", None], {"a": {"b": [2.5, True]}}]],
    }
    for kind, xs in values.items():
        check("echo " + kind, lambda xs=xs: equal([client.echo(x) for x in xs], xs))
    check("error", lambda: remote_error(lambda: client.fail("boom"), "ValueError", "boom"))
    check("unknown method", lambda: remote_error(lambda: client.nosuch(1), "NameError", "nosuch"))
    check("stream 1000", lambda: equal(list(client.count(1000)), list(range(1000))))

    def concurrent():
        started = time.monotonic()
        calls = [client.add(i, i, **{"async": True}) for i in range(50)]
        sleeps = [client.sleep(1, **{"async": True}) for _ in range(50)]
        got = [c.get(timeout=20) for c in calls] + [s.get(timeout=20) for s in sleeps]
        took = time.monotonic() - started
        if took > 10:
            return "50 concurrent 1 s sleeps took %.1f s" % took
        return equal(got, [2 * i for i in range(50)] + [1] * 50)

    check("50 concurrent", concurrent)
    check("ping", lambda: equal(client._zerorpc_ping(), ["pong", server_name]))
    check("name", lambda: equal(client._zerorpc_name(), server_name))
    check("list", lambda: equal(sorted(client._zerorpc_list()),
                                ["add", "count", "echo", "fail", "hello", "plus", "sleep"]))

    def inspect():
        if inspect_broken:  # a Python server on 3.11: the known breakage, checked as such
            try:
                client._zerorpc_inspect()
            except zerorpc.RemoteError as e:
                return None if e.name == "AttributeError" and "getargspec" in e.msg else str(e)
            return "inspect worked: is zerorpc newer than 0.6.3?"
        methods = client._zerorpc_inspect()["methods"]
        return equal([a["name"] for a in methods["add"]["args"]], ["a", "b"])

    check("inspect", inspect)


def main(args):
    client = zerorpc.Client(endpoint, timeout=30)
    if args[:1] == ["--suite"]:
        suite(client, args[1], "--inspect-broken" in args)
    elif args[:1] == ["--long"]:
        seconds = parse(args[1])
        started = time.monotonic()
        print(client.sleep(seconds), "after %.1f s" % (time.monotonic() - started), flush=True)
    elif args:
        method, params = args[0], [parse(a) for a in args[1:]]
        result = client(method, *params)
        if hasattr(result, "__next__"):  # a stream
            for item in result:
                print(json.dumps(item))
        else:
            print(json.dumps(result))
    else:
        print(client.plus([1, 2, 2, 3, 3, 4, 2, 3, -1]))


def parse(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


main(sys.argv[1:])
