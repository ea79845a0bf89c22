# The zerorpc cross-implementation contract (github.com/0rpc/zerorpc-crosstests), with the real
# zerorpc-python on either side: a server exposes echo(v) and quit(); a client echoes five
# values, checks each comes back equal (type included), then calls quit(). Both take the
# endpoint as their only argument, and both must exit 0.
# Run: .venv/bin/python peers/crosstest.py server ipc:///tmp/zerorpc-x.sock
#      .venv/bin/python peers/crosstest.py client ipc:///tmp/zerorpc-x.sock
import sys

import zerorpc

role, endpoint = sys.argv[1], sys.argv[2]


class CrossTest(zerorpc.Server):
    def echo(self, v):
        return v

    def quit(self):
        self.stop()  # ends run() once this call is answered


if role == "server":
    server = CrossTest()
    server.bind(endpoint)
    print("serving", endpoint, flush=True)
    server.run()
else:
    client = zerorpc.Client(timeout=10)
    client.connect(endpoint)
    for value in [42, 42.42, b"random bytes", "unicode string ✓", "default string"]:
        got = client.echo(value)
        assert type(got) is type(value) and got == value, "echo(%r) = %r" % (value, got)
    client.quit()
    print("all passed", flush=True)
