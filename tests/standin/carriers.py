#!/usr/bin/env python3
"""carriers.py - one stand-in for the tracking APIs of UPS, FedEx, DHL, USPS.

Usage: carriers.py --port-file FILE [--log FILE] [--mode MODE]...
                   [--latency-ms N] [--rate R] [--stats FILE]

Follows ../shared/contracts/README.md sections 5-8 under one port, each
carrier under its own prefix (the base URL va-track is given):

  /ups    POST /security/v1/oauth/token (Basic id:secret, form body;
          expires_in as a string), GET /api/track/v1/details/{n} (Bearer,
          transId and transactionSrc required; 404 for an unknown number)
  /fedex  POST /oauth/token (form body with client_id, client_secret),
          POST /track/v1/trackingnumbers (JSON; an unknown number is
          HTTP 200 with trackResults[0].error)
  /dhl    GET /track/shipments?trackingNumber=N (header DHL-API-Key;
          404 problem+json for an unknown number)
  /usps   POST /oauth2/v3/token (JSON body), GET
          /tracking/v3/tracking/{n}?expand=DETAIL (Bearer)

Credentials accepted: client id "<carrier>-id" with secret
"<carrier>-secret", DHL key "dhl-key". Tokens are "<carrier>-token-N",
valid for 3600 s. The shipments known are in SHIPMENTS below, dated
around the test clock (2023-11-14, a Tuesday).

Modes, applied to tracking requests (not token requests) unless said:
  slow              answer after 3 s
  429:N             the first N tracking requests get 429, Retry-After: 0
                    (with rate-limit headers), then normal answers
  500:N, 503:N      the first N get that status
  malformed         a 200 whose body is not JSON
  shape             a 200 with JSON of the wrong shape
  expire:N          every token stops working after N tracking requests
                    (401 as each carrier words it), so clients renew
  badcreds          the token endpoints (and DHL) refuse every credential
  down              every request gets 503
  any               every well-formed number is known (as the first UPS
                    shipment), for benchmarks
  after:N           the first N tracking requests are answered, the
                    rest get 503 (a refresh that fails)
Each request is appended to the log as a JSON line like canned.py's, with
transaction ids replaced by "<id>". --latency-ms delays every answer;
--rate R answers 429 above R tracking requests per second per carrier
(a token bucket of R), and --stats writes {"requests":N,"429":N} at exit.
SIGTERM exits cleanly.
"""

import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UNLOGGED = {"host", "user-agent", "accept-encoding", "content-length",
            "accept", "connection"}
MASKED = {"transid", "x-customer-transaction-id"}

# number -> (carrier, status, description, city, state, country,
#            scan "YYYY-MM-DDTHH:MM:SS", estimate date, window from, to)
SHIPMENTS = {
    "1Z5R89390357567127": ("ups", "in_transit", "Arrived at Facility",
                           "Louisville", "KY", "US", "2023-11-14T07:13:56",
                           "2023-11-17", "12:00", "16:00"),
    "1Z879E930346834440": ("ups", "delivered", "Delivered",
                           "Austin", "TX", "US", "2023-11-13T14:20:00",
                           "", "", ""),
    "986578788855": ("fedex", "in_transit", "In transit",
                     "Memphis", "TN", "US", "2023-11-14T05:40:00",
                     "2023-11-16", "", ""),
    "477179081230": ("fedex", "out_for_delivery", "On FedEx vehicle for "
                     "delivery", "Denver", "CO", "US", "2023-11-14T08:02:00",
                     "2023-11-14", "13:00", "16:00"),
    "3318810025": ("dhl", "in_transit", "Processed at LEIPZIG - GERMANY",
                   "Leipzig, Germany", "", "DE", "2023-11-13T21:05:00",
                   "2023-11-20", "", ""),
    "9400111206206406260787": ("usps", "in_transit", "Arrived at USPS "
                               "Regional Facility", "Chicago", "IL", "US",
                               "2023-11-14T03:30:00", "2023-11-15", "", ""),
    "9405803699300124287899": ("usps", "exception", "Delivery Attempted - "
                               "No Access to Delivery Location", "Boise",
                               "ID", "US", "2023-11-12T16:45:00", "", "", ""),
}

UPS_TYPE = {"pre_transit": "M", "in_transit": "I", "out_for_delivery": "I",
            "delivered": "D", "exception": "X"}
FEDEX_CODE = {"pre_transit": "OC", "in_transit": "IT",
              "out_for_delivery": "OD", "delivered": "DL",
              "exception": "DE"}
DHL_CODE = {"pre_transit": "pre-transit", "in_transit": "transit",
            "out_for_delivery": "transit", "delivered": "delivered",
            "exception": "failure"}
USPS_CAT = {"pre_transit": "Pre-Shipment", "in_transit": "In Transit",
            "out_for_delivery": "Out for Delivery", "delivered": "Delivered",
            "exception": "Alert"}


def compact(s):
    return s.replace("-", "").replace(":", "")


def ups_body(n, s):
    _, st, desc, city, state, country, scan, est, frm, to = s
    pkg = {"trackingNumber": n,
           "currentStatus": {"type": UPS_TYPE[st], "code": "005",
                             "description": "Out For Delivery Today"
                             if st == "out_for_delivery" else desc,
                             "statusCode": "005"},
           "activity": [{"date": compact(scan[:10]),
                         "time": compact(scan[11:]),
                         "location": {"address": {
                             "city": city.upper(), "stateProvince": state,
                             "countryCode": country}},
                         "status": {"type": UPS_TYPE[st], "code": "AR",
                                    "description": desc}}]}
    if est:
        pkg["deliveryDate"] = [{"type": "SDD", "date": compact(est)}]
    if frm:
        pkg["deliveryTime"] = {"type": "EDW", "startTime": compact(frm) + "00",
                               "endTime": compact(to) + "00"}
    if st == "delivered":
        pkg["deliveryDate"] = [{"type": "DEL", "date": compact(scan[:10])}]
    return {"trackResponse": {"shipment": [{"inquiryNumber": n,
                                            "package": [pkg]}]}}


def fedex_body(n, s):
    _, st, desc, city, state, country, scan, est, frm, to = s
    loc = {"city": city, "stateOrProvinceCode": state,
           "countryCode": country}
    tr = {"trackingNumberInfo": {"trackingNumber": n, "carrierCode": "FDXE"},
          "latestStatusDetail": {"code": FEDEX_CODE[st],
                                 "derivedCode": FEDEX_CODE[st],
                                 "statusByLocale": desc,
                                 "description": desc, "scanLocation": loc},
          "scanEvents": [{"date": scan + "-06:00", "eventType": "AR",
                          "eventDescription": desc, "scanLocation": loc}],
          "dateAndTimes": []}
    if est:
        tr["dateAndTimes"].append({"type": "ESTIMATED_DELIVERY",
                                   "dateTime": est + "T00:00:00-06:00"})
    if frm:
        tr["estimatedDeliveryTimeWindow"] = {"window": {
            "begins": est + "T" + frm + ":00-06:00",
            "ends": est + "T" + to + ":00-06:00"}}
    if st == "delivered":
        tr["dateAndTimes"].append({"type": "ACTUAL_DELIVERY",
                                   "dateTime": scan + "-06:00"})
    return {"transactionId": "fedex-tx",
            "output": {"completeTrackResults": [{
                "trackingNumber": n, "trackResults": [tr]}]}}


def fedex_not_found(n):
    return {"transactionId": "fedex-tx",
            "output": {"completeTrackResults": [{
                "trackingNumber": n, "trackResults": [{
                    "trackingNumberInfo": {"trackingNumber": n},
                    "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                              "message": "Tracking number cannot be found. "
                              "Please correct the tracking number and try "
                              "again."}}]}]}}


def dhl_body(n, s):
    _, st, desc, city, state, country, scan, est, frm, to = s
    sh = {"id": n, "service": "express",
          "status": {"timestamp": scan, "statusCode": DHL_CODE[st],
                     "status": desc, "description": desc,
                     "location": {"address": {"addressLocality": city}}},
          "events": [{"timestamp": scan, "statusCode": DHL_CODE[st],
                      "description": desc}]}
    if est:
        sh["estimatedTimeOfDelivery"] = est + "T12:00:00+01:00"
    return {"shipments": [sh]}


def usps_body(n, s):
    _, st, desc, city, state, country, scan, est, frm, to = s
    b = {"trackingNumber": n, "status": desc, "statusCategory": USPS_CAT[st],
         "statusSummary": "Your item " + desc.lower() + ".",
         "mailClass": "Priority Mail",
         "trackingEvents": [{"eventType": desc, "eventTimestamp": scan,
                             "eventCity": city.upper(), "eventState": state,
                             "eventZIP": "", "eventCountry": ""}]}
    if est:
        b["expectedDeliveryDate"] = est
    return b


class Bucket:
    def __init__(self, rate):
        self.rate, self.tokens, self.last = rate, rate, time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.last) *
                          self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, body, headers=(), ctype="application/json"):
        srv = self.server
        if srv.latency:
            time.sleep(srv.latency / 1000)
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body, separators=(",", ":"))
        if isinstance(body, str):
            body = body.encode()
        self.send_response_only(code)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if code == 429:
            with srv.lock:
                srv.n429 += 1

    def log_request_line(self, body):
        srv = self.server
        with srv.lock:
            srv.count += 1
            if not srv.log:
                return
            hdrs = {}
            for k, v in self.headers.items():
                k = k.lower()
                if k in UNLOGGED:
                    continue
                hdrs[k] = "<id>" if k in MASKED else v
            rec = {"n": srv.count, "method": self.command, "path": self.path,
                   "headers": hdrs, "body": body.decode("utf-8", "replace")}
            with open(srv.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, separators=(",", ":"),
                                   sort_keys=True) + "\n")

    def serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        self.log_request_line(body)
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/", 2)
        carrier = parts[1] if len(parts) > 1 else ""
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        srv = self.server
        if "down" in srv.modes:
            return self.reply(503, {"error": "down"})
        fn = getattr(self, "do_" + carrier, None)
        if fn is None:
            return self.reply(404, {"error": "no such carrier"})
        return fn(rest, url.query, body)

    # Tokens.

    def issue(self, carrier, string_expiry=False):
        srv = self.server
        with srv.lock:
            srv.ntoken[carrier] = srv.ntoken.get(carrier, 0) + 1
            tok = "%s-token-%d" % (carrier, srv.ntoken[carrier])
            srv.tokens[tok] = 0
        exp = "3599" if string_expiry else 3599
        return {"token_type": "Bearer", "access_token": tok,
                "expires_in": exp, "status": "approved",
                "issued_at": "1700000000000", "client_id": carrier + "-id"}

    def bearer_ok(self):
        """Check the token and count a use; False when it is refused."""
        srv = self.server
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        tok = auth[7:]
        with srv.lock:
            if tok not in srv.tokens:
                return False
            if srv.expire and srv.tokens[tok] >= srv.expire:
                return False
            srv.tokens[tok] += 1
        return True

    def scripted(self):
        """Answer a scripted failure; True when one was sent."""
        srv = self.server
        if "slow" in srv.modes:
            time.sleep(3)
        if srv.after is not None:
            with srv.lock:
                srv.after -= 1
                left = srv.after
            if left < 0:
                self.reply(503, {"error": "server error"})
                return True
        for code in (429, 500, 503):
            with srv.lock:
                left = srv.fail.get(code, 0)
                if left > 0:
                    srv.fail[code] = left - 1
            if left > 0:
                if code == 429:
                    self.reply(429, {"error": "Too many requests"},
                               [("Retry-After", "0"),
                                ("X-RateLimit-Remaining", "0"),
                                ("X-RateLimit-Reset", "0")])
                else:
                    self.reply(code, {"error": "server error"})
                return True
        if srv.bucket is not None:
            with srv.lock:
                b = srv.bucket.setdefault(self.path.split("/")[1],
                                          Bucket(srv.rate))
                ok = b.take()
            if not ok:
                self.reply(429, {"error": "Too many requests"},
                           [("Retry-After", "1")])
                return True
        if "malformed" in srv.modes:
            self.reply(200, "<html>Service Temporarily Unavailable</html>",
                       ctype="text/html")
            return True
        if "shape" in srv.modes:
            self.reply(200, {"unexpected": True})
            return True
        return False

    def do_ups(self, path, query, body):
        srv = self.server
        if path == "/security/v1/oauth/token" and self.command == "POST":
            auth = self.headers.get("Authorization", "")
            want = "Basic " + base64.b64encode(b"ups-id:ups-secret").decode()
            if ("badcreds" in srv.modes or auth != want or
                    body != b"grant_type=client_credentials"):
                return self.reply(401, {"response": {"errors": [{
                    "code": "250003", "message": "Invalid Access License "
                    "number"}]}})
            return self.reply(200, self.issue("ups", True))
        pre = "/api/track/v1/details/"
        if not path.startswith(pre) or self.command != "GET":
            return self.reply(404, {"response": {"errors": [{
                "code": "404", "message": "Not Found"}]}})
        if not self.headers.get("transId") or \
                not self.headers.get("transactionSrc"):
            return self.reply(400, {"response": {"errors": [{
                "code": "VSS002", "message": "Missing transId"}]}})
        if not self.bearer_ok():
            return self.reply(401, {"response": {"errors": [{
                "code": "250002", "message": "Invalid Authentication "
                "Information."}]}})
        if self.scripted():
            return
        n = urllib.parse.unquote(path[len(pre):])
        s = SHIPMENTS.get(n)
        if "any" in srv.modes:
            s = SHIPMENTS["1Z5R89390357567127"]
        if s is None or s[0] != "ups":
            return self.reply(404, {"response": {"errors": [{
                "code": "151044", "message": "Tracking number information "
                "not found"}]}})
        return self.reply(200, ups_body(n, s))

    def do_fedex(self, path, query, body):
        srv = self.server
        if path == "/oauth/token" and self.command == "POST":
            form = urllib.parse.parse_qs(body.decode())
            if ("badcreds" in srv.modes or
                    form.get("grant_type") != ["client_credentials"] or
                    form.get("client_id") != ["fedex-id"] or
                    form.get("client_secret") != ["fedex-secret"]):
                return self.reply(401, {"transactionId": "fedex-tx",
                                        "errors": [{
                                            "code": "NOT.AUTHORIZED.ERROR",
                                            "message": "The given client "
                                            "credentials were not valid."}]})
            return self.reply(200, self.issue("fedex"))
        if path != "/track/v1/trackingnumbers" or self.command != "POST":
            return self.reply(404, {"transactionId": "fedex-tx", "errors": [
                {"code": "NOT.FOUND.ERROR", "message": "Not found"}]})
        if not self.bearer_ok():
            return self.reply(401, {"transactionId": "fedex-tx", "errors": [
                {"code": "NOT.AUTHORIZED.ERROR", "message": "Access token "
                 "expired. Please modify your request and try again."}]})
        if self.scripted():
            return
        try:
            req = json.loads(body)
            n = req["trackingInfo"][0]["trackingNumberInfo"]["trackingNumber"]
        except (ValueError, KeyError, IndexError, TypeError):
            return self.reply(400, {"transactionId": "fedex-tx", "errors": [
                {"code": "TRACKING.TRACKINGNUMBER.EMPTY",
                 "message": "Please provide tracking number."}]})
        s = SHIPMENTS.get(n)
        if s is None or s[0] != "fedex":
            return self.reply(200, fedex_not_found(n))
        return self.reply(200, fedex_body(n, s))

    def do_dhl(self, path, query, body):
        srv = self.server
        if path != "/track/shipments" or self.command != "GET":
            return self.reply(404, {"title": "Not Found", "status": 404},
                              ctype="application/problem+json")
        if ("badcreds" in srv.modes or
                self.headers.get("DHL-API-Key") != "dhl-key"):
            return self.reply(401, {"title": "Unauthorized", "status": 401,
                                    "detail": "Invalid API key."},
                              ctype="application/problem+json")
        if self.scripted():
            return
        n = urllib.parse.parse_qs(query).get("trackingNumber", [""])[0]
        s = SHIPMENTS.get(n)
        if s is None or s[0] != "dhl":
            return self.reply(404, {"title": "No result found", "status": 404,
                                    "detail": "No shipment with given "
                                    "tracking number found."},
                              ctype="application/problem+json")
        return self.reply(200, dhl_body(n, s))

    def do_usps(self, path, query, body):
        srv = self.server
        if path == "/oauth2/v3/token" and self.command == "POST":
            try:
                req = json.loads(body)
            except ValueError:
                req = {}
            if ("badcreds" in srv.modes or
                    req.get("grant_type") != "client_credentials" or
                    req.get("client_id") != "usps-id" or
                    req.get("client_secret") != "usps-secret"):
                return self.reply(401, {"error": "invalid_client",
                                        "error_description":
                                        "Client authentication failed"})
            return self.reply(200, self.issue("usps"))
        pre = "/tracking/v3/tracking/"
        if not path.startswith(pre) or self.command != "GET":
            return self.reply(404, {"error": {"code": "404",
                                              "message": "Not Found"}})
        if not self.bearer_ok():
            return self.reply(401, {"error": {"code": "401",
                                              "message": "Unauthorized"}})
        if self.scripted():
            return
        n = urllib.parse.unquote(path[len(pre):])
        s = SHIPMENTS.get(n)
        if s is None or s[0] != "usps":
            return self.reply(404, {"apiVersion": "v3", "error": {
                "code": "404", "message": "Tracking number not found for a "
                "mailing date within the last 45 days", "errors": []}})
        return self.reply(200, usps_body(n, s))

    do_GET = do_POST = serve

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="carrier tracking stand-in")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--mode", action="append", default=[])
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--stats")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.log, srv.latency = args.log, args.latency_ms
    srv.count, srv.n429, srv.lock = 0, 0, threading.Lock()
    srv.tokens, srv.ntoken, srv.fail, srv.expire = {}, {}, {}, 0
    srv.modes = set()
    srv.after = None
    srv.rate = args.rate
    srv.bucket = {} if args.rate > 0 else None
    for m in args.mode:
        name, _, n = m.partition(":")
        if name in ("429", "500", "503"):
            srv.fail[int(name)] = int(n or 1)
        elif name == "expire":
            srv.expire = int(n or 1)
        elif name == "after":
            srv.after = int(n or 0)
        else:
            srv.modes.add(name)

    def stop(*_):
        if args.stats:
            with open(args.stats, "w") as f:
                json.dump({"requests": srv.count, "429": srv.n429}, f)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
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
