#!/usr/bin/env python3
"""llm.py - a stand-in for an OpenAI-compatible chat completions server.

Usage: llm.py --port-file FILE [--log FILE] [--key KEY] [--mode MODE]
              [--answers FILE] [--delay-ms N]

Listens on 127.0.0.1 on a free port and writes the port number to FILE
(atomically) once listening. It serves POST /v1/chat/completions as va's
LLM engine uses it (lib/llm.h) and checks the contract:

  - Authorization is "Bearer KEY" (default key "test-key"), else 401;
  - the body is JSON with a model, messages whose last one is the user's
    text, and response_format {"type": "json_schema", "json_schema":
    {"schema": ...}} whose schema's properties.intent.enum lists the
    labels and properties.confidence is a number, else 400.

The answer is the label of the first phrase of the answers file (lines
"phrase<TAB>label") found in the user's text, lower-cased, with
confidence 0.9; "oos" with confidence 0.6 when none is found. A label the
schema does not allow is a 400 naming it. Modes change the answer:

  ok         as above (default)
  401        always 401
  429        always 429 with Retry-After: 1
  429once    the first request 429 with Retry-After: 1, then as ok
  slow       answers as ok after --delay-ms (default 3000)
  malformed  200 with content that is not the JSON the schema asks for

Each request is appended to the log as one JSON line: {"n":1,"method":
"POST","path":"/v1/chat/completions","auth":"ok"|"bad"|"none","text":
the user's text,"labels":[...],"schema":true|false}; the key itself is
never logged. SIGTERM exits cleanly.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def check(req):
    """The user's text and the allowed labels, or an error message."""
    if not isinstance(req, dict) or not isinstance(req.get("model"), str):
        return None, None, "no model"
    msgs = req.get("messages")
    if not isinstance(msgs, list) or not msgs or \
            not isinstance(msgs[-1], dict) or msgs[-1].get("role") != "user":
        return None, None, "no user message"
    text = msgs[-1].get("content")
    rf = req.get("response_format")
    try:
        assert rf["type"] == "json_schema"
        schema = rf["json_schema"]["schema"]
        props = schema["properties"]
        labels = props["intent"]["enum"]
        assert props["confidence"]["type"] == "number"
        assert set(schema["required"]) == {"intent", "confidence"}
        assert all(isinstance(x, str) for x in labels) and labels
    except (KeyError, TypeError, AssertionError):
        return text, None, "no json_schema response_format"
    return text, labels, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        auth = self.headers.get("Authorization")
        auth_state = "none" if auth is None else \
            "ok" if auth == "Bearer " + srv.key else "bad"
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        text, labels, why = check(req)
        with srv.lock:
            srv.count += 1
            n = srv.count
            if srv.log:
                rec = {"n": n, "method": self.command, "path": self.path,
                       "auth": auth_state, "text": text, "labels": labels,
                       "schema": labels is not None}
                with open(srv.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        mode = srv.mode
        if mode == "401" or auth_state != "ok":
            return self.reply(401, {"error": {"message": "bad key"}})
        if mode == "429" or (mode == "429once" and n == 1):
            return self.reply(429, {"error": {"message": "slow down"}},
                              [("Retry-After", "1")])
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "no such path"}})
        if why:
            return self.reply(400, {"error": {"message": why}})
        if mode == "slow":
            time.sleep(srv.delay_ms / 1000)
        label, conf = "oos", 0.6
        low = (text or "").lower()
        for phrase, lab in srv.answers:
            if phrase in low:
                label, conf = lab, 0.9
                break
        if label not in labels:
            return self.reply(400, {"error": {
                "message": "label %s not in the schema" % label}})
        content = json.dumps({"intent": label, "confidence": conf})
        if mode == "malformed":
            content = "I think the caller wants " + label
        self.reply(200, {
            "id": "chatcmpl-standin-%d" % n, "object": "chat.completion",
            "model": req["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant",
                                     "content": content}}]})

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--key", default="test-key")
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "401", "429", "429once", "slow",
                             "malformed"])
    ap.add_argument("--answers")
    ap.add_argument("--delay-ms", type=int, default=3000)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.lock = threading.Lock()
    srv.count = 0
    srv.log, srv.key, srv.mode, srv.delay_ms = a.log, a.key, a.mode, \
        a.delay_ms
    srv.answers = []
    if a.answers:
        with open(a.answers, encoding="utf-8") as f:
            for line in f:
                phrase, _, label = line.rstrip("\n").partition("\t")
                if phrase and label:
                    srv.answers.append((phrase.lower(), label))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    srv.server_close()


main()
