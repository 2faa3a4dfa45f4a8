#!/usr/bin/env python3
"""asr.py - a stand-in for remote speech-to-text APIs, for va-asr's tests.

Usage: asr.py --port-file FILE [--log FILE] [--key KEY] [--text TEXT]
              [--status N] [--delay-ms N]

Listens on 127.0.0.1 on a free port (written to FILE once listening) and
answers, following the vendors' documented request and response shapes:

  POST /v1/audio/transcriptions   OpenAI (and whisper.cpp/faster-whisper
      servers): multipart/form-data with `file` (the audio) and `model`
      required, optional `language`, `prompt`, `response_format` (json,
      text, verbose_json) and `timestamp_granularities[]` (word, segment);
      `Authorization: Bearer KEY`. verbose_json carries task, language,
      duration, text, segments (with avg_logprob) and, when asked, words
      [{word, start, end}]. Errors: {"error":{"message","type","param",
      "code"}}, 401 for a wrong key, 400 for a missing field.
  POST /v1/listen                 Deepgram pre-recorded audio: the audio
      as the raw body with its Content-Type, `Authorization: Token KEY`,
      query parameters such as model and language. Answers {"metadata":
      {...},"results":{"channels":[{"alternatives":[{"transcript",
      "confidence","words":[{word,start,end,confidence,
      punctuated_word}]}]}]}}. Errors: {"err_code","err_msg",
      "request_id"}, 401 for a wrong key, 400 for empty or unreadable
      audio.

The transcript is --text (default "hello world"), its words spread evenly
over the audio's duration read from the WAV header. --status answers
every request with that error status instead; --delay-ms waits first.
Each request is appended to --log as one JSON line: method, path, the
Authorization and Content-Type headers, and the form fields (the file as
its name, type, byte count and WAV rate) or the body's byte count.
"""

import argparse
import io
import json
import os
import signal
import struct
import sys
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def wav_info(data):
    """(rate, seconds) of a WAV file in memory, or None."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            return w.getframerate(), w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError, struct.error):
        return None


def multipart(body, ctype):
    """Parse multipart/form-data into a list of (name, filename, type, data)."""
    b = None
    for part in ctype.split(";"):
        k, _, v = part.strip().partition("=")
        if k == "boundary":
            b = v.strip('"')
    if not b:
        return None
    out = []
    for chunk in body.split(b"--" + b.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, _, data = chunk.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        name = filename = ptype = None
        for line in head.decode("latin-1").split("\r\n"):
            k, _, v = line.partition(":")
            if k.lower() == "content-disposition":
                for item in v.split(";"):
                    ik, _, iv = item.strip().partition("=")
                    if ik == "name":
                        name = iv.strip('"')
                    elif ik == "filename":
                        filename = iv.strip('"')
            elif k.lower() == "content-type":
                ptype = v.strip()
        out.append((name, filename, ptype, data))
    return out


def spread(text, seconds):
    words = text.split()
    step = seconds / max(len(words), 1)
    return [(w, round(i * step, 3), round((i + 1) * step, 3))
            for i, w in enumerate(words)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, obj, ctype="application/json"):
        data = obj if isinstance(obj, bytes) else \
            json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, rec):
        srv = self.server
        if not srv.opts.log:
            return
        with srv.lock, open(srv.opts.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, sort_keys=True,
                               separators=(",", ":")) + "\n")

    def do_POST(self):
        o = self.server.opts
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        auth = self.headers.get("Authorization")
        ctype = self.headers.get("Content-Type", "")
        rec = {"method": "POST", "path": url.path,
               "query": parse_qs(url.query), "authorization": auth,
               "content_type": ctype.split(";")[0]}
        time.sleep(o.delay_ms / 1000.0)
        if url.path == "/v1/audio/transcriptions":
            self.openai(o, body, auth, ctype, rec)
        elif url.path == "/v1/listen":
            self.deepgram(o, body, auth, ctype, rec, url)
        else:
            self.record(rec)
            self.answer(404, {"error": {"message": "not found"}})

    def openai(self, o, body, auth, ctype, rec):
        def err(code, msg, etype, ecode=None):
            self.answer(code, {"error": {"message": msg, "type": etype,
                                         "param": None, "code": ecode}})
        parts = multipart(body, ctype) if \
            ctype.startswith("multipart/form-data") else None
        fields, audio = {}, None
        for name, filename, ptype, data in parts or []:
            if filename is not None:
                audio = data
                info = wav_info(data)
                fields[name] = {"filename": filename, "type": ptype,
                                "bytes": len(data),
                                "rate": info[0] if info else None}
            else:
                fields.setdefault(name, []).append(data.decode())
        rec["fields"] = fields
        self.record(rec)
        if o.status:
            return err(o.status, "stand-in failure", "server_error")
        if o.key and auth != "Bearer " + o.key:
            return err(401, "Incorrect API key provided.",
                       "invalid_request_error", "invalid_api_key")
        if parts is None:
            return err(400, "Invalid Content-Type header.",
                       "invalid_request_error")
        if audio is None or "model" not in fields:
            return err(400, "you must provide a model and a file",
                       "invalid_request_error")
        info = wav_info(audio)
        if info is None:
            return err(400, "Invalid file format.", "invalid_request_error")
        fmt = fields.get("response_format", ["json"])[0]
        gran = fields.get("timestamp_granularities[]", [])
        text = o.text
        if fmt == "text":
            return self.answer(200, (text + "\n").encode(), "text/plain")
        if fmt == "json":
            return self.answer(200, {"text": text})
        out = {"task": "transcribe", "language": "english",
               "duration": round(info[1], 3), "text": " " + text}
        if "word" in gran:
            out["words"] = [{"word": w, "start": s, "end": e}
                            for w, s, e in spread(text, info[1])]
        if "segment" in gran or "word" not in gran:
            out["segments"] = [{
                "id": 0, "seek": 0, "start": 0.0,
                "end": round(info[1], 3), "text": " " + text,
                "tokens": [], "temperature": 0.0,
                "avg_logprob": -0.25, "compression_ratio": 1.0,
                "no_speech_prob": 0.01}]
        return self.answer(200, out)

    def deepgram(self, o, body, auth, ctype, rec, url):
        def err(code, ecode, msg):
            self.answer(code, {"err_code": ecode, "err_msg": msg,
                               "request_id": "00000000-0000-0000-0000-"
                               "000000000000"})
        rec["bytes"] = len(body)
        self.record(rec)
        if o.status:
            return err(o.status, "INTERNAL_SERVER_ERROR", "stand-in failure")
        if o.key and auth != "Token " + o.key:
            return err(401, "INVALID_AUTH", "Invalid credentials.")
        info = wav_info(body)
        if not body or info is None:
            return err(400, "Bad Request", "Bad Request: failed to process "
                       "audio: corrupt or unsupported data")
        q = parse_qs(url.query)
        words = [{"word": w.lower().strip(".,?!"), "start": s, "end": e,
                  "confidence": 0.98, "punctuated_word": w}
                 for w, s, e in spread(o.text, info[1])]
        return self.answer(200, {
            "metadata": {"request_id": "00000000-0000-0000-0000-"
                         "000000000000", "duration": round(info[1], 3),
                         "channels": 1,
                         "models": [q.get("model", ["nova-2"])[0]]},
            "results": {"channels": [{"alternatives": [{
                "transcript": o.text, "confidence": 0.97,
                "words": words}]}]}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--key")
    ap.add_argument("--text", default="hello world")
    ap.add_argument("--status", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    opts = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.opts = opts
    srv.lock = threading.Lock()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, opts.port_file)
    try:
        srv.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
