"""The tutorial's XML-RPC client in Python: one system.multicall of add/subtract/multiply/divide.

Prints `7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2`. The URL defaults to the tutorial's
http://localhost:8000/ and may be given as the first argument or in XMLRPC_URL.
For an https URL with a self-signed certificate, set XMLRPC_CA to the certificate's PEM file.
With `fault` as second argument it also calls divide(1, 0) and power(2, 3) (no such method)
and prints the Faults it gets.
Partner: xmlrpc-server (Rust) or peers/server.py.
"""
import os
import ssl
import sys
import xmlrpc.client

URL = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("XMLRPC_URL", "http://localhost:8000/")

CA = os.environ.get("XMLRPC_CA")
proxy = xmlrpc.client.ServerProxy(URL, context=ssl.create_default_context(cafile=CA) if CA else None)
multicall = xmlrpc.client.MultiCall(proxy)
multicall.add(7, 3)
multicall.subtract(7, 3)
multicall.multiply(7, 3)
multicall.divide(7, 3)
result = multicall()

print("7 + 3 = %d, 7-3 = %d, 7*3 = %d, 7/3 = %d" % tuple(result))

if len(sys.argv) > 2 and sys.argv[2] == "fault":
    try:
        proxy.divide(1, 0)
    except xmlrpc.client.Fault as err:
        print("Fault %d: %s" % (err.faultCode, err.faultString))
    try:
        proxy.power(2, 3)  # no such method
    except xmlrpc.client.Fault as err:
        print("Fault %d: %s" % (err.faultCode, err.faultString))
    # The failing call inside a multicall: MultiCallIterator raises the Fault for that entry.
    multicall = xmlrpc.client.MultiCall(proxy)
    multicall.add(1, 1)
    multicall.divide(1, 0)
    entries = multicall()
    print("multicall[0] = %d" % entries[0])
    try:
        entries[1]
    except xmlrpc.client.Fault as err:
        print("multicall[1] Fault %d: %s" % (err.faultCode, err.faultString))
