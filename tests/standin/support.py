#!/usr/bin/env python3
"""support.py - one stand-in for the support backends of va-ticket and va-pay.

Usage: support.py --port-file FILE [--log FILE] [--script FILE]

Listens on 127.0.0.1 on a free port, writes the port to FILE (atomically)
once listening, and answers as these vendors do, per the contracts the
project keeps (paths, auth, bodies, error envelopes, rate-limit headers):

  Zendesk     POST /api/v2/tickets[.json], GET /api/v2/tickets/{id}[.json]
              auth Basic "agent@example.com/token:zd-secret" or Bearer zd-oauth;
              Idempotency-Key replays the stored answer
              (x-idempotency-lookup: hit), a reused key with another body is 400
  Salesforce  POST /services/oauth2/token (client credentials va-client /
              sf-secret), GET|PATCH /services/data/vN/sobjects/Case/{field}/{value}
              (upsert by external id), GET .../sobjects/Case/{Id}
  HubSpot     POST /crm/v3/objects/tickets/search, POST /crm/v3/objects/tickets
              (409 when the unique property va_key exists), GET .../tickets/{id};
              Bearer pat-test
  ServiceNow  GET|POST /api/now/table/incident, GET .../incident/{sys_id};
              Basic va.integration:sn-secret
  Stripe      GET /v1/payment_intents/{id}, GET /v1/payment_intents/search,
              POST /v1/refunds (form; Idempotency-Key replayed with
              Idempotent-Replayed: true); key sk_test_va (Basic or Bearer)
  Adyen       GET /v71/paymentLinks/{id}, POST /v71/payments/{psp}/refunds
              (201, Idempotency-Key echoed and replayed); X-API-Key adyen-test-key
  Slack       POST /services/... (an incoming webhook): "ok"

Misbehaviour is scripted: a JSON list of rules, from --script or POSTed to
/_standin/script at any time (replacing the rules):
  {"match": "POST /api/v2/tickets", "do": "429", "times": 1}
match is a substring of "METHOD /path?query"; do is one of
  429        the vendor's rate-limit answer (Retry-After where it sends one)
  500, 503   a server error ("down" is 503 every time)
  slow       sleep delay_ms (default 3000) and then answer normally
  malformed  200 with a body that is not JSON
  close      close the connection without an answer
  stall      sleep delay_ms, then close without answering
times (default: every time) counts down per matching request. GET
/_standin/state returns what exists: {"zendesk":N,"salesforce":N,...}.
Each other request is appended to the log as one JSON line like canned.py.
The objects (payment intents, payment links) are small copies of shapes in
Stripe's fixtures3.json (stripe/openapi, MIT) and Adyen's Checkout v71
OpenAPI examples (Adyen/adyen-openapi, MIT), values ours.
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
            "accept", "expect"}

ZD_BASIC = "agent@example.com/token:zd-secret"
ZD_BEARER = "zd-oauth"
SF_CLIENT = ("va-client", "sf-secret")
HS_TOKEN = "pat-test"
SN_BASIC = "va.integration:sn-secret"
STRIPE_KEY = "sk_test_va"
ADYEN_KEY = "adyen-test-key"
ADYEN_MERCHANT = "VaShopECOM"


def pi(pid, status, amount=2599, received=None, err=None, order=None,
       currency="usd"):
    """A payment_intent in the shape of Stripe's fixture."""
    return {
        "id": pid, "object": "payment_intent", "amount": amount,
        "amount_capturable": amount if status == "requires_capture" else 0,
        "amount_received": amount if received is None else received,
        "canceled_at": None, "cancellation_reason": None,
        "capture_method": "automatic", "created": 1700000000,
        "currency": currency, "customer": None, "description": None,
        "last_payment_error": err,
        "latest_charge": "ch_" + pid[3:] if status == "succeeded" else None,
        "livemode": False, "metadata": {"order_id": order} if order else {},
        "next_action": {"type": "use_stripe_sdk"}
        if status == "requires_action" else None,
        "payment_method": None, "payment_method_types": ["card"],
        "receipt_email": None, "status": status,
    }


def card_error(code, decline, message):
    return {"type": "card_error", "code": code, "decline_code": decline,
            "message": message,
            "doc_url": "https://stripe.com/docs/error-codes/" +
            code.replace("_", "-")}


def seed_intents():
    items = [
        pi("pi_succeeded", "succeeded", order="1001"),
        pi("pi_processing", "processing", received=0),
        pi("pi_action", "requires_action", received=0),
        pi("pi_capture", "requires_capture", received=0),
        pi("pi_canceled", "canceled", received=0),
        pi("pi_funds", "requires_payment_method", received=0, err=card_error(
            "card_declined", "insufficient_funds",
            "Your card has insufficient funds."), order="1002"),
        pi("pi_lost", "requires_payment_method", received=0, err=card_error(
            "card_declined", "lost_card", "Your card has been declined.")),
        pi("pi_expired", "requires_payment_method", received=0, err=card_error(
            "expired_card", None, "Your card has expired.")),
        pi("pi_new", "requires_payment_method", received=0),
        # The demo shop's order 10236 (data/demo), for the test calls.
        pi("pi_demo_10236", "requires_payment_method", amount=12900,
           received=0, err=card_error("card_declined", "insufficient_funds",
           "Your card has insufficient funds."), order="10236"),
        pi("pi_big", "succeeded", amount=250000, currency="eur"),
    ]
    return {p["id"]: p for p in items}


def seed_links():
    def link(lid, status, value=2599, cur="EUR", ref="1001"):
        return {"id": lid, "status": status, "amount": {
            "value": value, "currency": cur},
            "merchantAccount": ADYEN_MERCHANT, "reference": ref,
            "url": "https://test.adyen.link/" + lid,
            "expiresAt": "2023-12-01T00:00:00Z"}
    items = [link("PL61C53A8B97E6915A", "completed"),
             link("PL0A6D3F4C0F1D8A21", "active"),
             link("PL7E2B9C0D1E2F3A44", "paymentPending"),
             link("PL1B2C3D4E5F6A7B88", "expired")]
    return {x["id"]: x for x in items}


# Payments Adyen knows by pspReference, for refunds: value, currency.
ADYEN_PAYMENTS = {"993617894903480A": (2599, "EUR"),
                  "883617894903481B": (250000, "EUR")}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.zendesk = {}        # id -> ticket
        self.zd_next = 35436
        self.sf_cases = {}       # Id -> case
        self.sf_next = 1026
        self.sf_tokens = set()
        self.hubspot = {}        # id -> ticket
        self.hs_next = 512
        self.servicenow = {}     # sys_id -> incident
        self.sn_next = 10001
        self.intents = seed_intents()
        self.refunds = {}        # id -> refund
        self.re_next = 1
        self.links = seed_links()
        self.adyen_refunds = {}
        self.ad_next = 1
        self.slack = []
        self.idem = {}           # (vendor, key) -> (body_in, answer)
        self.rules = []

    def counts(self):
        return {"zendesk": len(self.zendesk), "salesforce": len(self.sf_cases),
                "hubspot": len(self.hubspot),
                "servicenow": len(self.servicenow),
                "stripe_refunds": len(self.refunds),
                "adyen_refunds": len(self.adyen_refunds),
                "slack": len(self.slack)}


def jbody(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Answer:
    def __init__(self, code, body=b"", headers=None, ctype="application/json"):
        self.code = code
        self.body = body if isinstance(body, bytes) else jbody(body)
        self.headers = list(headers or [])
        if ctype and self.body:
            self.headers.append(("Content-Type", ctype))


def basic(headers):
    a = headers.get("Authorization") or ""
    if a.startswith("Basic "):
        try:
            return base64.b64decode(a[6:]).decode()
        except Exception:
            return None
    return None


def bearer(headers):
    a = headers.get("Authorization") or ""
    return a[7:] if a.startswith("Bearer ") else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    # -- plumbing --------------------------------------------------------

    def serve(self):
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        if path == "/_standin/state":
            with srv.st.lock:
                return self.send(Answer(200, srv.st.counts()))
        if path == "/_standin/script":
            with srv.st.lock:
                srv.st.rules = json.loads(body or b"[]")
            return self.send(Answer(204))
        self.log_request_line(body)
        rule = self.take_rule("%s %s" % (self.command, self.path))
        if rule is not None:
            done = self.misbehave(rule, path)
            if done:
                return
        try:
            ans = self.route(path, query, body)
        except Exception as e:  # a stand-in bug must still answer
            ans = Answer(500, {"standin_error": repr(e)})
        self.send(ans)

    def log_request_line(self, body):
        srv = self.server
        if not srv.log:
            return
        with srv.st.lock:
            srv.count += 1
            hdrs = {k.lower(): v for k, v in self.headers.items()
                    if k.lower() not in UNLOGGED}
            rec = {"n": srv.count, "method": self.command, "path": self.path,
                   "headers": hdrs, "body": body.decode("utf-8", "replace")}
            with open(srv.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, separators=(",", ":")) + "\n")

    def take_rule(self, what):
        st = self.server.st
        with st.lock:
            for r in st.rules:
                if r.get("match", "") in what and r.get("times", 1) != 0:
                    if "times" in r:
                        r["times"] -= 1
                    return dict(r)
        return None

    def misbehave(self, rule, path):
        """Act on a rule; True when the request has been answered."""
        do = rule.get("do")
        delay = rule.get("delay_ms", 3000) / 1000
        if do == "slow":
            time.sleep(delay)
            return False
        if do in ("close", "stall"):
            if do == "stall":
                time.sleep(delay)
            self.close_connection = True
            return True
        if do == "malformed":
            self.send(Answer(200, b'{"ticket": {"id": 12', ctype="application/json"))
            return True
        if do == "429":
            self.send(self.rate_limited(path, rule))
            return True
        if do in ("500", "503", "down"):
            code = 503 if do in ("503", "down") else 500
            self.send(Answer(code, self.server_error(path, code)))
            return True
        return False

    def send(self, ans):
        self.send_response_only(ans.code)
        for name, value in ans.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(ans.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(ans.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = serve

    def log_message(self, format, *args):
        pass

    # -- vendor errors ---------------------------------------------------

    def vendor(self, path):
        if path.startswith("/api/v2/"):
            return "zendesk"
        if path.startswith("/services/data/") or path.startswith("/services/oauth2/"):
            return "salesforce"
        if path.startswith("/crm/"):
            return "hubspot"
        if path.startswith("/api/now/"):
            return "servicenow"
        if path.startswith("/v1/"):
            return "stripe"
        if path.startswith("/v71/"):
            return "adyen"
        return "slack"

    def rate_limited(self, path, rule):
        v = self.vendor(path)
        ra = [("Retry-After", str(rule.get("retry_after", 1)))]
        if v == "zendesk":
            return Answer(429, b"Rate limit for ticket creation exceeded",
                          ra + [("X-Rate-Limit", "700"),
                                ("X-Rate-Limit-Remaining", "0")], "text/plain")
        if v == "salesforce":
            return Answer(403, [{"message": "TotalRequests Limit exceeded.",
                                 "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                          [("Sforce-Limit-Info", "api-usage=15000/15000")])
        if v == "hubspot":
            return Answer(429, {"status": "error",
                                "message": "You have reached your ten_secondly_rolling limit.",
                                "errorType": "RATE_LIMIT",
                                "correlationId": "6d1c6d63-5f3a-4c1e-9e1e-000000000429",
                                "policyName": "TEN_SECONDLY_ROLLING",
                                "groupName": "api-product:crm"},
                          [("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
                           ("X-HubSpot-RateLimit-Max", "100"),
                           ("X-HubSpot-RateLimit-Remaining", "0")])
        if v == "servicenow":
            return Answer(429, {"error": {"message": "Rate limit exceeded",
                                          "detail": "Too many requests"},
                                "status": "failure"},
                          ra + [("X-RateLimit-Limit", "100")])
        if v == "stripe":
            return Answer(429, {"error": {"type": "invalid_request_error",
                                          "code": "rate_limit",
                                          "message": "Too many requests hit the API too quickly."}},
                          [("Request-Id", "req_429"),
                           ("Stripe-Rate-Limited-Reason", "global-rate")])
        if v == "adyen":
            return Answer(429, {"status": 429, "errorCode": "000",
                                "message": "Too Many Requests",
                                "errorType": "throttling"})
        return Answer(429, b"rate_limited", ra, "text/plain")

    def server_error(self, path, code):
        v = self.vendor(path)
        if v == "stripe":
            return {"error": {"type": "api_error",
                              "message": "An unknown error occurred"}}
        if v == "adyen":
            return {"status": code, "errorCode": "905",
                    "message": "Service unavailable", "errorType": "internal"}
        if v == "servicenow":
            return {"error": {"message": "Service Unavailable", "detail": ""},
                    "status": "failure"}
        if v == "salesforce":
            return [{"message": "Service unavailable", "errorCode": "SERVER_UNAVAILABLE"}]
        if v == "hubspot":
            return {"status": "error", "message": "internal error",
                    "category": "INTERNAL_ERROR"}
        return {"error": "ServiceUnavailable", "description": "Service unavailable"}

    # -- routing ---------------------------------------------------------

    def route(self, path, query, body):
        v = self.vendor(path)
        return getattr(self, "r_" + v)(path, query, body)

    def idem(self, vendor, body, make):
        """Replay the first answer for an Idempotency-Key."""
        key = self.headers.get("Idempotency-Key")
        st = self.server.st
        if key is None:
            return make(), False
        with st.lock:
            seen = st.idem.get((vendor, key))
        if seen is not None:
            if seen[0] != body:
                return None, True
            return seen[1], True
        ans = make()
        if ans.code < 500:
            with st.lock:
                st.idem[(vendor, key)] = (body, ans)
        return ans, False

    # Zendesk
    def r_zendesk(self, path, query, body):
        st = self.server.st
        if basic(self.headers) != ZD_BASIC and bearer(self.headers) != ZD_BEARER:
            return Answer(401, {"error": "Couldn't authenticate you"})
        hdr = [("X-Rate-Limit", "700"), ("X-Rate-Limit-Remaining", "699")]
        if path in ("/api/v2/tickets", "/api/v2/tickets.json") and self.command == "POST":
            def make():
                try:
                    t = json.loads(body)["ticket"]
                except Exception:
                    return Answer(400, {"error": "Unprocessable Entity",
                                        "description": "Malformed JSON"})
                if not t.get("subject") and not (t.get("comment") or {}).get("body"):
                    return Answer(422, {"error": "RecordInvalid",
                                        "description": "Record validation errors",
                                        "details": {"base": [{"description": "Description: cannot be blank",
                                                              "error": "BlankValue"}]}})
                with st.lock:
                    tid = st.zd_next
                    st.zd_next += 1
                    base = "http://127.0.0.1:%d" % self.server.server_address[1]
                    rec = {"id": tid, "url": "%s/api/v2/tickets/%d.json" % (base, tid),
                           "external_id": t.get("external_id"), "status": "new",
                           "subject": t.get("subject"), "priority": t.get("priority"),
                           "tags": t.get("tags", []), "requester_id": 9001,
                           "created_at": "2023-11-14T22:13:20Z"}
                    st.zendesk[tid] = rec
                return Answer(201, {"ticket": rec, "audit": {"id": tid * 10}},
                              hdr + [("Location", rec["url"])])
            ans, hit = self.idem("zendesk", body, make)
            if ans is None:
                return Answer(400, {"error": "IdempotentRequestError",
                                    "description": "Request parameters differ from the original request"})
            extra = [("x-idempotency-lookup", "hit" if hit else "miss")]
            return Answer(ans.code, ans.body, ans.headers + extra, None)
        parts = path.split("/")
        if len(parts) == 5 and parts[3] == "tickets" and self.command == "GET":
            tid = parts[4].replace(".json", "")
            with st.lock:
                rec = st.zendesk.get(int(tid)) if tid.isdigit() else None
            if rec is None:
                return Answer(404, {"error": "RecordNotFound", "description": "Not found"})
            return Answer(200, {"ticket": rec}, hdr)
        return Answer(404, {"error": "InvalidEndpoint", "description": "Not found"})

    # Salesforce
    def r_salesforce(self, path, query, body):
        st = self.server.st
        limit = [("Sforce-Limit-Info", "api-usage=18/15000")]
        if path == "/services/oauth2/token":
            form = urllib.parse.parse_qs(body.decode())
            got = (form.get("client_id", [""])[0], form.get("client_secret", [""])[0])
            if form.get("grant_type", [""])[0] != "client_credentials" or got != SF_CLIENT:
                return Answer(400, {"error": "invalid_client",
                                    "error_description": "invalid client credentials"})
            with st.lock:
                tok = "00Dva!sf-access-%d" % (len(st.sf_tokens) + 1)
                st.sf_tokens.add(tok)
            base = "http://127.0.0.1:%d" % self.server.server_address[1]
            return Answer(200, {"access_token": tok, "instance_url": base,
                                "id": base + "/id/00Dva/005va", "token_type": "Bearer",
                                "issued_at": "1700000000000", "signature": "c2lnbmF0dXJl"})
        if bearer(self.headers) not in st.sf_tokens:
            return Answer(401, [{"message": "Session expired or invalid",
                                 "errorCode": "INVALID_SESSION_ID"}])
        parts = path.rstrip("/").split("/")
        # /services/data/vN/sobjects/Case/...
        if len(parts) < 7 or parts[4] != "sobjects" or parts[5] != "Case":
            return Answer(404, [{"message": "The requested resource does not exist",
                                 "errorCode": "NOT_FOUND"}])
        fields = (query.get("fields", ["Id,CaseNumber"])[0]).split(",")

        def view(c):
            out = {"attributes": {"type": "Case",
                                  "url": "/services/data/%s/sobjects/Case/%s" % (parts[3], c["Id"])}}
            for f in fields:
                if f in c:
                    out[f] = c[f]
            return out
        if len(parts) == 8:
            field, value = parts[6], urllib.parse.unquote(parts[7])
            if field != "VA_Key__c":
                return Answer(404, [{"message": "Provided external ID field does not exist or is not accessible: " + field,
                                     "errorCode": "NOT_FOUND"}])
            with st.lock:
                found = [c for c in st.sf_cases.values() if c.get(field) == value]
            if self.command == "GET":
                if not found:
                    return Answer(404, [{"message": "The requested resource does not exist",
                                         "errorCode": "NOT_FOUND"}], limit)
                return Answer(200, view(found[0]), limit)
            if self.command == "PATCH":
                try:
                    rec = json.loads(body)
                except Exception:
                    return Answer(400, [{"message": "Unexpected character", "errorCode": "JSON_PARSER_ERROR"}])
                if not found and not rec.get("Subject"):
                    return Answer(400, [{"message": "Required fields are missing: [Subject]",
                                         "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Subject"]}])
                with st.lock:
                    if found:
                        found[0].update(rec)
                        return Answer(200, {"id": found[0]["Id"], "success": True,
                                            "errors": [], "created": False}, limit)
                    cid = "500va%013d" % st.sf_next
                    rec.update({"Id": cid, "CaseNumber": "%08d" % st.sf_next, field: value})
                    st.sf_next += 1
                    st.sf_cases[cid] = rec
                return Answer(201, {"id": cid, "success": True, "errors": [],
                                    "created": True}, limit)
        if len(parts) == 7 and self.command == "GET":
            with st.lock:
                c = st.sf_cases.get(parts[6])
            if c is None:
                return Answer(404, [{"message": "The requested resource does not exist",
                                     "errorCode": "NOT_FOUND"}], limit)
            return Answer(200, view(c), limit)
        return Answer(405, [{"message": "HTTP Method not allowed",
                             "errorCode": "METHOD_NOT_ALLOWED"}])

    # HubSpot
    def r_hubspot(self, path, query, body):
        st = self.server.st
        if bearer(self.headers) != HS_TOKEN:
            return Answer(401, {"status": "error",
                                "message": "Authentication credentials not found.",
                                "correlationId": "6d1c6d63-5f3a-4c1e-9e1e-000000000401",
                                "category": "INVALID_AUTHENTICATION"})
        rl = [("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
              ("X-HubSpot-RateLimit-Max", "100"),
              ("X-HubSpot-RateLimit-Remaining", "99")]
        if path == "/crm/v3/objects/tickets/search" and self.command == "POST":
            try:
                q = json.loads(body)
                flt = q["filterGroups"][0]["filters"][0]
            except Exception:
                return Answer(400, {"status": "error", "message": "Invalid input JSON",
                                    "category": "VALIDATION_ERROR"})
            with st.lock:
                res = [t for t in st.hubspot.values()
                       if flt.get("operator") == "EQ" and
                       t["properties"].get(flt.get("propertyName")) == flt.get("value")]
            return Answer(200, {"total": len(res), "results": res[:q.get("limit", 10)]}, rl)
        if path == "/crm/v3/objects/tickets" and self.command == "POST":
            try:
                props = json.loads(body)["properties"]
            except Exception:
                return Answer(400, {"status": "error", "message": "Invalid input JSON",
                                    "category": "VALIDATION_ERROR"})
            if not props.get("hs_pipeline") or not props.get("hs_pipeline_stage"):
                return Answer(400, {"status": "error",
                                    "message": "Property values were not valid",
                                    "category": "VALIDATION_ERROR",
                                    "errors": [{"message": "hs_pipeline_stage is required",
                                                "code": "REQUIRED_FIELD"}]})
            with st.lock:
                key = props.get("va_key")
                if key and any(t["properties"].get("va_key") == key for t in st.hubspot.values()):
                    return Answer(409, {"status": "error",
                                        "message": "A ticket with va_key %s already exists" % key,
                                        "category": "CONFLICT"})
                tid = str(st.hs_next)
                st.hs_next += 1
                rec = {"id": tid, "properties": {k: str(v) for k, v in props.items()},
                       "createdAt": "2023-11-14T22:13:20Z",
                       "updatedAt": "2023-11-14T22:13:20Z", "archived": False}
                st.hubspot[tid] = rec
            return Answer(201, rec, rl)
        parts = path.split("/")
        if len(parts) == 6 and parts[4] == "tickets" and self.command == "GET":
            with st.lock:
                rec = st.hubspot.get(parts[5])
            if rec is None:
                return Answer(404, {"status": "error", "message": "Object not found.",
                                    "category": "OBJECT_NOT_FOUND",
                                    "correlationId": "6d1c6d63-5f3a-4c1e-9e1e-000000000404"})
            return Answer(200, rec, rl)
        return Answer(404, {"status": "error", "message": "not found",
                            "category": "OBJECT_NOT_FOUND"})

    # ServiceNow
    def r_servicenow(self, path, query, body):
        st = self.server.st
        if basic(self.headers) != SN_BASIC:
            return Answer(401, {"error": {"message": "User Not Authenticated",
                                          "detail": "Required to provide Auth information"},
                                "status": "failure"})
        if path.rstrip("/") == "/api/now/table/incident":
            if self.command == "GET":
                q = query.get("sysparm_query", [""])[0]
                with st.lock:
                    res = list(st.servicenow.values())
                for cond in filter(None, q.split("^")):
                    k, _, v = cond.partition("=")
                    res = [r for r in res if r.get(k) == v]
                lim = int(query.get("sysparm_limit", ["10000"])[0])
                flds = query.get("sysparm_fields", [""])[0]
                if flds:
                    res = [{f: r.get(f) for f in flds.split(",")} for r in res]
                return Answer(200, {"result": res[:lim]},
                              [("X-Total-Count", str(len(res)))])
            if self.command == "POST":
                try:
                    rec = json.loads(body)
                except Exception:
                    return Answer(400, {"error": {"message": "Exception while reading request",
                                                  "detail": "The payload is not valid JSON."},
                                        "status": "failure"})
                with st.lock:
                    n = st.sn_next
                    st.sn_next += 1
                    sys_id = "%032x" % (0x9d385017c611228701d22104cc95c371 + n)
                    rec.update({"sys_id": sys_id, "number": "INC%07d" % n, "state": "1"})
                    st.servicenow[sys_id] = rec
                base = "http://127.0.0.1:%d" % self.server.server_address[1]
                return Answer(201, {"result": rec},
                              [("Location", "%s/api/now/table/incident/%s" % (base, sys_id))])
        parts = path.split("/")
        if len(parts) == 6 and parts[4] == "incident" and self.command == "GET":
            with st.lock:
                rec = st.servicenow.get(parts[5])
            if rec is None:
                return Answer(404, {"error": {"message": "No Record found",
                                              "detail": "Record doesn't exist or ACL restricts the record retrieval"},
                                    "status": "failure"})
            return Answer(200, {"result": rec})
        return Answer(400, {"error": {"message": "Invalid table", "detail": path},
                            "status": "failure"})

    # Stripe
    def r_stripe(self, path, query, body):
        st = self.server.st
        rid = [("Request-Id", "req_va%06d" % self.server.count)]
        b = basic(self.headers)
        if (b or "").split(":")[0] != STRIPE_KEY and bearer(self.headers) != STRIPE_KEY:
            return Answer(401, {"error": {"message": "Invalid API Key provided: sk_test_****%s" % (
                (b or bearer(self.headers) or "")[-4:].split(":")[0]),
                "type": "invalid_request_error"}}, rid)
        if path == "/v1/payment_intents/search" and self.command == "GET":
            q = query.get("query", [""])[0]
            # metadata['order_id']:'1001'
            want = q.split(":", 1)[1].strip("'\"") if q.startswith("metadata['order_id']:") else None
            if want is None:
                return Answer(400, {"error": {"type": "invalid_request_error",
                                              "message": "Invalid search query", "param": "query"}}, rid)
            with st.lock:
                res = [p for p in st.intents.values() if p["metadata"].get("order_id") == want]
            return Answer(200, {"object": "search_result", "data": res, "has_more": False,
                                "next_page": None, "url": "/v1/payment_intents/search"}, rid)
        if path.startswith("/v1/payment_intents/") and self.command == "GET":
            pid = path.split("/")[3]
            with st.lock:
                p = st.intents.get(pid)
            if p is None:
                return Answer(404, {"error": {"code": "resource_missing",
                                              "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
                                              "message": "No such payment_intent: '%s'" % pid,
                                              "param": "intent", "type": "invalid_request_error"}}, rid)
            return Answer(200, p, rid)
        if path == "/v1/refunds" and self.command == "POST":
            def make():
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
                pid = form.get("payment_intent")
                with st.lock:
                    p = st.intents.get(pid)
                    if p is None:
                        return Answer(400, {"error": {"code": "resource_missing",
                                                      "message": "No such payment_intent: '%s'" % pid,
                                                      "param": "payment_intent",
                                                      "type": "invalid_request_error"}}, rid)
                    if p["status"] != "succeeded":
                        return Answer(400, {"error": {"code": "charge_not_refundable" if False else "payment_intent_unexpected_state",
                                                      "message": "This PaymentIntent does not have a successful charge to refund.",
                                                      "type": "invalid_request_error"}}, rid)
                    done = sum(r["amount"] for r in st.refunds.values() if r["payment_intent"] == pid)
                    left = p["amount_received"] - done
                    if left <= 0:
                        return Answer(400, {"error": {"code": "charge_already_refunded",
                                                      "message": "Charge %s has already been refunded." % p["latest_charge"],
                                                      "type": "invalid_request_error"}}, rid)
                    amount = int(form.get("amount", left))
                    if amount > left:
                        return Answer(400, {"error": {"code": "amount_too_large", "param": "amount",
                                                      "message": "Refund amount (%d) is greater than unrefunded amount on charge (%d)" % (amount, left),
                                                      "type": "invalid_request_error"}}, rid)
                    rf = {"id": "re_va%06d" % st.re_next, "object": "refund", "amount": amount,
                          "balance_transaction": None, "charge": p["latest_charge"],
                          "created": 1700000000, "currency": p["currency"], "metadata": {},
                          "payment_intent": pid, "reason": form.get("reason"),
                          "receipt_number": None, "status": "succeeded"}
                    st.re_next += 1
                    st.refunds[rf["id"]] = rf
                return Answer(200, rf, rid)
            ans, hit = self.idem("stripe", body, make)
            if ans is None:
                return Answer(400, {"error": {"type": "idempotency_error",
                                              "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."}}, rid)
            extra = [("Idempotency-Key", self.headers.get("Idempotency-Key"))] if self.headers.get("Idempotency-Key") else []
            if hit:
                extra.append(("Idempotent-Replayed", "true"))
            return Answer(ans.code, ans.body, ans.headers + extra, None)
        return Answer(404, {"error": {"type": "invalid_request_error",
                                      "message": "Unrecognized request URL (%s: %s)." % (self.command, path)}}, rid)

    # Adyen
    def r_adyen(self, path, query, body):
        st = self.server.st
        if self.headers.get("X-API-Key") != ADYEN_KEY:
            return Answer(401, {"status": 401, "errorCode": "000",
                                "message": "HTTP Status Response - Unauthorized",
                                "errorType": "security"})
        parts = path.split("/")
        if len(parts) == 4 and parts[2] == "paymentLinks" and self.command == "GET":
            with st.lock:
                link = st.links.get(parts[3])
            if link is None:
                return Answer(404, {"status": 404, "errorCode": "000",
                                    "message": "Payment link not found",
                                    "errorType": "validation"})
            return Answer(200, link)
        if len(parts) == 5 and parts[2] == "payments" and parts[4] == "refunds" and self.command == "POST":
            psp = parts[3]

            def make():
                try:
                    req = json.loads(body)
                    value, cur = req["amount"]["value"], req["amount"]["currency"]
                except Exception:
                    return Answer(400, {"status": 400, "errorCode": "702",
                                        "message": "Unexpected input: \", expected: }",
                                        "errorType": "validation"})
                if req.get("merchantAccount") != ADYEN_MERCHANT:
                    return Answer(403, {"status": 403, "errorCode": "901",
                                        "message": "Invalid Merchant Account",
                                        "errorType": "security", "pspReference": "883700000000000X"})
                if psp not in ADYEN_PAYMENTS:
                    return Answer(422, {"status": 422, "errorCode": "167",
                                        "message": "Original pspReference required for this operation",
                                        "errorType": "validation", "pspReference": "883700000000001X"})
                with st.lock:
                    ref = "99%014d" % st.ad_next + "R"
                    st.ad_next += 1
                    rf = {"merchantAccount": ADYEN_MERCHANT, "paymentPspReference": psp,
                          "pspReference": ref, "reference": req.get("reference", ""),
                          "status": "received", "amount": {"value": value, "currency": cur}}
                    st.adyen_refunds[ref] = rf
                return Answer(201, rf)
            ans, hit = self.idem("adyen", body, make)
            if ans is None:
                return Answer(422, {"status": 422, "errorCode": "704",
                                    "message": "request already processed or in progress",
                                    "errorType": "validation"})
            extra = [("Idempotency-Key", self.headers.get("Idempotency-Key"))] if self.headers.get("Idempotency-Key") else []
            return Answer(ans.code, ans.body, ans.headers + extra, None)
        return Answer(404, {"status": 404, "errorCode": "000", "message": "Not found",
                            "errorType": "validation"})

    # Slack incoming webhook
    def r_slack(self, path, query, body):
        st = self.server.st
        if not path.startswith("/services/") or self.command != "POST":
            return Answer(404, b"no_service", ctype="text/plain")
        try:
            text = json.loads(body)["text"]
        except Exception:
            return Answer(400, b"invalid_payload", ctype="text/plain")
        with st.lock:
            st.slack.append(text)
        return Answer(200, b"ok", ctype="text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="support backends stand-in")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--script")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.log, srv.count = args.log, 0
    srv.st = State()
    if args.script:
        with open(args.script) as f:
            srv.st.rules = json.load(f)
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
