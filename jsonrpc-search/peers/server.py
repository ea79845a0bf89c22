#!/usr/bin/env python3
"""A JSON-RPC 2.0 server in plain Python (stdlib only): echo(s) and
search(number=None, last_name=None, first_name=None) on the same SQLite phone book as
jsonrpc-server, over HTTP (http.server) and over raw TCP the way the tutorial's old library
serves it (accept, read one request, reply, close).

    python3 peers/server.py            # TCP 127.0.0.1:31415, HTTP 127.0.0.1:31416, ./phonebook.sqlite3

Testing knobs: JSONRPC_ADDR (TCP, host:port; port 0 = any), JSONRPC_HTTP (host:port),
JSONRPC_DB (path). Prints `JSON-RPC over TCP on host:port` and `JSON-RPC over HTTP on URL`
once it listens.
"""
import http.server
import json
import os
import socket
import socketserver
import sqlite3
import threading

ADDR = os.environ.get("JSONRPC_ADDR", "127.0.0.1:31415")
HTTP = os.environ.get("JSONRPC_HTTP", "127.0.0.1:31416")
DB = os.environ.get("JSONRPC_DB", "phonebook.sqlite3")
MAX_REQUEST = 1024 * 1024

# Same rows as jsonrpc_search::db::SEED.
SEED = [
    ("Python", "Monty", "555-0101"),
    ("Rossum", "Guido", "555-0102"),
    ("Lovelace", "Ada", "555-0103"),
    ("Python", "Brian", "555-0104"),
    ("Ritchie", "Dennis", "555-0105"),
]

db = sqlite3.connect(DB, check_same_thread=False)
db_lock = threading.Lock()
with db_lock, db:
    db.execute("CREATE TABLE IF NOT EXISTS mytable (id INTEGER PRIMARY KEY, last_name TEXT NOT NULL,"
               " first_name TEXT NOT NULL, number TEXT NOT NULL)")
    if db.execute("SELECT COUNT(*) FROM mytable").fetchone()[0] == 0:
        db.executemany("INSERT INTO mytable (last_name, first_name, number) VALUES (?, ?, ?)", SEED)


class InvalidParams(Exception):
    pass


def echo(s):
    if not isinstance(s, str):
        raise InvalidParams("s must be a string")
    return s


def search(number=None, last_name=None, first_name=None):
    for v in (number, last_name, first_name):
        if v is not None and not isinstance(v, str):
            raise InvalidParams("fields must be strings")
    with db_lock:
        rows = db.execute(
            "SELECT id, last_name, first_name, number FROM mytable"
            " WHERE (?1 IS NULL OR number = ?1) AND (?2 IS NULL OR last_name = ?2)"
            " AND (?3 IS NULL OR first_name = ?3) ORDER BY id",
            (number, last_name, first_name)).fetchall()
    return [list(r) for r in rows]


METHODS = {"echo": echo, "search": search}


def error(code, message, id=None):
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id}


def handle_call(call):
    """One call object -> a reply object, or None for a notification."""
    if (not isinstance(call, dict) or call.get("jsonrpc") != "2.0"
            or not isinstance(call.get("method"), str)
            or not isinstance(call.get("params", []), (list, dict))):
        return error(-32600, "Invalid request")
    is_notification = "id" not in call
    id = call.get("id")
    method = METHODS.get(call["method"])
    if method is None:
        reply = error(-32601, "Method not found", id)
    else:
        params = call.get("params", [])
        try:
            result = method(**params) if isinstance(params, dict) else method(*params)
            reply = {"jsonrpc": "2.0", "result": result, "id": id}
        except (TypeError, InvalidParams) as e:
            reply = error(-32602, "Invalid params: %s" % e, id)
    return None if is_notification else reply


def handle_text(text):
    """Request text (a call or a batch) -> reply text, or None when nothing is to be sent."""
    try:
        request = json.loads(text)
    except ValueError:
        return json.dumps(error(-32700, "Parse error"))
    if isinstance(request, list):
        if not request:
            return json.dumps(error(-32600, "Invalid request"))
        replies = [r for r in map(handle_call, request) if r is not None]
        return json.dumps(replies) if replies else None
    reply = handle_call(request)
    return None if reply is None else json.dumps(reply)


class HttpHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST:
            self.send_error(413)
            return
        reply = handle_text(self.rfile.read(length).decode("utf-8", "replace"))
        body = (reply or "").encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class TcpHandler(socketserver.BaseRequestHandler):
    """Read until the bytes parse as JSON (no delimiter), reply, close."""

    def handle(self):
        self.request.settimeout(30)
        data = b""
        decoder = json.JSONDecoder()
        while len(data) <= MAX_REQUEST:
            try:
                chunk = self.request.recv(4096)
            except OSError:
                return
            if not chunk:
                return  # hung up before a complete request
            data += chunk
            text = data.decode("utf-8", "replace").lstrip()
            try:
                _, end = decoder.raw_decode(text)
            except ValueError:
                continue  # not complete yet (or garbage; the size bound ends it)
            reply = handle_text(text[:end])
            if reply is not None:
                self.request.sendall(reply.encode("utf-8"))
            return


def split(hostport):
    host, port = hostport.rsplit(":", 1)
    return host, int(port)


def main():
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    tcp = socketserver.ThreadingTCPServer(split(ADDR), TcpHandler)
    web = http.server.ThreadingHTTPServer(split(HTTP), HttpHandler)
    web.daemon_threads = True
    threading.Thread(target=web.serve_forever, daemon=True).start()
    print("JSON-RPC over HTTP on http://%s:%d/" % web.server_address[:2], flush=True)
    print("JSON-RPC over TCP on %s:%d" % tcp.server_address[:2], flush=True)
    try:
        tcp.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
