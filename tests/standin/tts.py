#!/usr/bin/env python3
"""tts.py - a stand-in for an OpenAI-compatible speech server.

Usage: tts.py --port-file FILE [--key KEY] [--mode MODE] [--fail-first N]
              [--delay-ms MS] [--log FILE]

Follows the contract of POST /v1/audio/speech (OpenAI's "Create speech"):

  request   JSON {"model", "input", "voice", "response_format", "speed"};
            model, input and voice are required, input at most 4096
            characters; response_format is mp3 (default), opus, aac, flac,
            wav or pcm: this stand-in makes wav (RIFF, 16-bit mono, 24 kHz)
            and pcm (the same samples without a header, as OpenAI sends)
            and answers 400 for the others.
  auth      "Authorization: Bearer KEY"; a missing or different key is 401
            {"error": {"code": "invalid_api_key", ...}}.
  errors    {"error": {"message", "type", "param", "code"}} with 400, 401,
            404 (other paths), 429 (with Retry-After), 500.

The audio is speech-like and deterministic: 100 ms of silence, then per
word of input a voiced burst (harmonics of 120 to 220 Hz under a smooth
envelope, 60 ms per letter, at least 150 ms) and 70 ms of silence, then
100 ms of silence. A voice activity detector finds one stretch of speech
per sentence, of a length that follows the text.

Modes: ok (default); ratelimit: the first N requests (--fail-first, default
1) are 429 with Retry-After: 1; error: the first N are 500; slow: every
answer waits --delay-ms (default 3000) first; garbage: 200 with a JSON body
instead of audio. Each request is appended to the log as one JSON line
{"n", "method", "path", "auth", "body"}, auth being "ok", "bad" or "none"
(the key itself is never logged). The port is written to --port-file once
listening. SIGTERM exits cleanly.
"""

import argparse
import json
import math
import os
import signal
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RATE = 24000
FORMATS = {"mp3", "opus", "aac", "flac", "wav", "pcm"}


def synth(text):
    """Speech-like 16-bit samples for text, as bytes."""
    out = bytearray()

    def silence(ms):
        out.extend(b"\0\0" * (RATE * ms // 1000))

    silence(100)
    for word in text.split():
        h = sum(word.encode("utf-8")) % 100
        f0 = 120.0 + h
        n = RATE * max(150, 60 * len(word)) // 1000
        for i in range(n):
            t = i / RATE
            env = math.sin(math.pi * i / n) ** 2
            v = sum(math.sin(2 * math.pi * f0 * k * t) / k
                    for k in (1, 2, 3, 4))
            out.extend(struct.pack("<h", int(8000 * env * v / 2.1)))
        silence(70)
    silence(100)
    return bytes(out)


def wav(pcm):
    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE" +
            b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2,
                                  16) +
            b"data" + struct.pack("<I", len(pcm)) + pcm)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, body, ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response_only(code)
        self.send_header("Content-Type", ctype)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, code, message, etype, param=None, ecode=None,
              headers=()):
        self.reply(code, {"error": {"message": message, "type": etype,
                                    "param": param, "code": ecode}},
                   headers=headers)

    def do_POST(self):
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        auth = self.headers.get("Authorization")
        if auth is None:
            authz = "none"
        elif srv.key is None or auth == "Bearer " + srv.key:
            authz = "ok"
        else:
            authz = "bad"
        with srv.lock:
            srv.count += 1
            n = srv.count
            if srv.log:
                rec = {"n": n, "method": "POST", "path": self.path,
                       "auth": authz, "body": raw.decode("utf-8", "replace")}
                with open(srv.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        if srv.mode == "slow":
            time.sleep(srv.delay_ms / 1000)
        if self.path.rstrip("/") != "/v1/audio/speech":
            return self.error(404, "Unknown path %s" % self.path,
                              "invalid_request_error")
        if srv.key is not None and authz != "ok":
            return self.error(401, "Incorrect API key provided.",
                              "invalid_request_error", None,
                              "invalid_api_key")
        if srv.mode == "ratelimit" and n <= srv.fail_first:
            return self.error(429, "Rate limit reached for requests.",
                              "requests", None, "rate_limit_exceeded",
                              headers=[("Retry-After", "1")])
        if srv.mode == "error" and n <= srv.fail_first:
            return self.error(500, "The server had an error.", "server_error")
        try:
            req = json.loads(raw)
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError:
            return self.error(400, "We could not parse the JSON body.",
                              "invalid_request_error")
        for field in ("model", "input", "voice"):
            if not isinstance(req.get(field), str) or not req[field]:
                return self.error(400, "Missing required parameter: '%s'."
                                  % field, "invalid_request_error", field)
        if len(req["input"]) > 4096:
            return self.error(400, "input is longer than 4096 characters",
                              "invalid_request_error", "input")
        fmt = req.get("response_format", "mp3")
        if fmt not in FORMATS:
            return self.error(400, "Invalid response_format '%s'." % fmt,
                              "invalid_request_error", "response_format")
        if fmt not in ("wav", "pcm"):
            return self.error(400, "this stand-in makes only wav and pcm",
                              "invalid_request_error", "response_format")
        if srv.mode == "garbage":
            return self.reply(200, {"ok": True})
        pcm = synth(req["input"])
        if fmt == "wav":
            self.reply(200, wav(pcm), "audio/wav")
        else:
            self.reply(200, pcm, "audio/pcm")

    def do_GET(self):
        self.error(404, "Unknown path %s" % self.path,
                   "invalid_request_error")

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (timeout test) is not an error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="speech server stand-in")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--key")
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "ratelimit", "error", "slow", "garbage"])
    ap.add_argument("--fail-first", type=int, default=1)
    ap.add_argument("--delay-ms", type=int, default=3000)
    ap.add_argument("--log")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.key, srv.mode, srv.log = args.key, args.mode, args.log
    srv.fail_first, srv.delay_ms = args.fail_first, args.delay_ms
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
