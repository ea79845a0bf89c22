"""The tutorial's concurrency experiment: many clients call sleep(seconds) at the same time.

Usage: slow_calls.py [URL] [CALLS] [SECONDS]   (defaults: http://localhost:8000/ 40 5)
A server that handles one call at a time needs CALLS x SECONDS; a threaded or async one about
SECONDS. Prints `<CALLS> calls of sleep(<SECONDS>) done in <elapsed> s`.
Partner: xmlrpc-server (Rust) or peers/server.py.
"""
import os
import sys
import threading
import time
import xmlrpc.client

URL = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("XMLRPC_URL", "http://localhost:8000/")
CALLS = int(sys.argv[2]) if len(sys.argv) > 2 else 40
SECONDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5

errors = []


def one_call():
    try:
        xmlrpc.client.ServerProxy(URL).sleep(SECONDS)
    except Exception as err:  # report every failure, do not hide it
        errors.append(err)


started = time.time()
threads = [threading.Thread(target=one_call) for _ in range(CALLS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("%d calls of sleep(%d) done in %.1f s" % (CALLS, SECONDS, time.time() - started))
if errors:
    print("%d failed, e.g. %s" % (len(errors), errors[0]))
    sys.exit(1)
