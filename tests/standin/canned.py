#!/usr/bin/env python3
"""canned.py - a stand-in HTTP server that replays canned responses.

Usage: canned.py --dir DIR --port-file FILE [--log FILE]

Listens on 127.0.0.1 on a free port and writes the port number to FILE
(atomically) once listening. The N-th request is answered with DIR/N.http;
after the last file the last one repeats. A .http file is a raw response:

    HTTP/1.1 429 Too Many Requests
    Retry-After: 1

    body...

Content-Length is computed by the server. Two pseudo-headers are not sent:
X-Standin-Delay-Ms: N sleeps N ms before answering, X-Standin-Close: 1 closes
the connection without answering. Each request is appended to the log as
one JSON line: {"n":1,"method":"GET","path":"/x?y=1","headers":{...},
"body":"..."}, header names in lower case, without host, user-agent,
accept-encoding and content-length. SIGTERM exits cleanly.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UNLOGGED = {"host", "user-agent", "accept-encoding", "content-length"}
UNSENT = {"content-length", "transfer-encoding", "connection"}


def load(path):
    """Parse a .http file into (code, reason, headers, body, pseudo)."""
    with open(path, "rb") as f:
        raw = f.read()
    ends = [(raw.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n")]
    ends = [e for e in ends if e[0] >= 0] or [(len(raw), b"")]
    at, sep = min(ends)
    head, body = raw[:at], raw[at + len(sep):]
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    _, code, reason = (lines[0].split(None, 2) + ["", ""])[:3]
    headers, pseudo = [], {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if name.lower().startswith("x-standin-"):
            pseudo[name.lower()] = value
        elif name and name.lower() not in UNSENT:
            headers.append((name, value))
    return int(code), reason, headers, body, pseudo


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def serve(self):
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        with srv.lock:
            srv.count += 1
            n = srv.count
            if srv.log:
                hdrs = {k.lower(): v for k, v in self.headers.items()
                        if k.lower() not in UNLOGGED}
                rec = {"n": n, "method": self.command, "path": self.path,
                       "headers": hdrs,
                       "body": body.decode("utf-8", "replace")}
                with open(srv.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        last = 1
        while os.path.exists(os.path.join(srv.dir, "%d.http" % (last + 1))):
            last += 1
        code, reason, headers, rbody, pseudo = load(
            os.path.join(srv.dir, "%d.http" % min(n, last)))
        time.sleep(int(pseudo.get("x-standin-delay-ms", "0")) / 1000)
        if pseudo.get("x-standin-close") == "1":
            self.close_connection = True
            return
        self.send_response_only(code, reason or None)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(rbody)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(rbody)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = serve
    do_HEAD = do_OPTIONS = serve

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (timeout test) is not an error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="canned HTTP responses")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.dir, srv.log = args.dir, args.log
    srv.count, srv.lock = 0, threading.Lock()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
