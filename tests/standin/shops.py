#!/usr/bin/env python3
"""shops.py - one stand-in HTTP server for the shop backends va-order uses.

Usage: shops.py --port-file FILE [--log FILE] [--mode MODE] [--count N]
                [--delay-ms MS] [--clock EPOCH_S] [--latency-ms MS]
                [--rate R] [--stats FILE]

Serves, on 127.0.0.1 and a free port written to FILE (atomically) once
listening, the order APIs of four vendors as ../shared/contracts/README.md
sections 1-4 describe them, side by side:

  Shopify      GET /admin/api/{v}/orders.json?name=N|email=E&status=any
               header X-Shopify-Access-Token: shpat_test
               X-Shopify-Shop-Api-Call-Limit: used/40 on every response
               (a leaky bucket draining 2/s); 429 with Retry-After: 2.0
  Magento 2    GET /rest[/{code}]/V1/orders?searchCriteria[...]=increment_id
               and /V1/shipments?searchCriteria[...]=order_id
               header Authorization: Bearer mag_test
  WooCommerce  GET /wp-json/wc/v3/orders/{id}, /orders?search=Q,
               /orders/{id}/shipment-trackings; HTTP Basic ck_test:cs_test,
               or OAuth 1.0a HMAC-SHA1 in the query (signature verified,
               timestamp within 15 min of --clock or now, nonce unique)
  BigCommerce  GET /stores/{hash}/v2/orders/{id}, /v2/orders?email=E,
               /v2/orders/{id}/products, /v2/orders/{id}/shipments (204
               when none); header X-Auth-Token: bc_test; X-Rate-Limit-*
               headers on every response; errors as v2 arrays

Fixture orders (the same three in every vendor's shape): 1001 shipped with
UPS (jane@example.com, +1 555 010 2030), 1002 paid and not yet shipped
(bob@example.com), 1003 cancelled and refunded. Magento's increment ids are
000001001...; everything else is not found.

Misbehaviour, for every vendor (--mode):
  ok         (default) as above
  slow       every response waits --delay-ms (default 3000) first
  429        the first --count requests (default 2) are rate limited, with
             each vendor's headers, then all is well (recovery)
  malformed  2xx answers carry a truncated JSON body
  down       every request gets 503
  flaky      the first --count requests get 503, then all is well
  fail-after the first --count requests are served, then every one gets 503

For measurements (bench/order-bench), in any mode: --latency-ms MS makes
every response wait MS first; --rate R enforces each vendor's limit at R
requests a second, answering 429 above it with the vendor's headers
(Shopify: the leaky bucket of 40 drains at R/s instead of 2/s; BigCommerce:
a quota of R per 1000 ms window, X-Rate-Limit-Requests-Left and -Reset-Ms
truthful; Magento and WooCommerce: a token bucket of R, Retry-After: 1);
--stats FILE writes {"requests":N,"429":N,"max_inflight":N} at exit.

Each request is appended to the log as a JSON line {"n","method","path",
"auth"} (auth: "ok", "bad" or "none"; an OAuth signature, which depends on
the port, is logged as SIG). SIGTERM exits cleanly.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHOPIFY_TOKEN = "shpat_test"
MAGENTO_TOKEN = "mag_test"
WOO_KEY, WOO_SECRET = "ck_test", "cs_test"
BC_TOKEN = "bc_test"
NONCES = set()

# The fixture orders, vendor-neutral.
ORDERS = [
    {"n": 1001, "id": 450789469, "entity": 1, "email": "jane@example.com",
     "phone": "+15550102030", "state": "shipped", "currency": "USD",
     "total": "409.94", "created": (2024, 3, 1, 15, 0, 0),
     "items": [("IPod Nano - 8gb", "IPOD2008GREEN", 1, "199.00"),
               ("Leather case", "CASE-1", 2, "105.47")],
     "ship": [("ups", "UPS", "1Z5R89390357567127", (2024, 3, 2, 9, 30, 0))]},
    {"n": 1002, "id": 450789470, "entity": 2, "email": "bob@example.com",
     "phone": "+15550109999", "state": "paid", "currency": "EUR",
     "total": "25.00", "created": (2024, 3, 3, 8, 0, 0),
     "items": [("Mug", "MUG-1", 2, "12.50")], "ship": []},
    {"n": 1003, "id": 450789471, "entity": 3, "email": "jane@example.com",
     "phone": "+15550102030", "state": "cancelled", "currency": "USD",
     "total": "10.00", "created": (2024, 2, 1, 12, 0, 0),
     "items": [("Sticker", "STK-1", 1, "10.00")], "ship": []},
]

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]


def iso(t, sep="T", zone="Z"):
    return "%04d-%02d-%02d%s%02d:%02d:%02d%s" % (t[:3] + (sep,) + t[3:] +
                                                  (zone,))


def rfc2822(t):
    wd = time.gmtime(time.mktime(t + (0, 0, 0)) - time.timezone).tm_wday
    return "%s, %02d %s %04d %02d:%02d:%02d +0000" % (
        DAYS[wd], t[2], MONTHS[t[1] - 1], t[0], t[3], t[4], t[5])


# Vendor shapes

def shopify_order(o):
    fin = {"shipped": "paid", "paid": "paid", "cancelled": "refunded"}
    ful = {"shipped": "fulfilled", "paid": None, "cancelled": None}
    return {
        "id": o["id"], "name": "#%d" % o["n"], "order_number": o["n"],
        "email": o["email"], "phone": o["phone"],
        "created_at": iso(o["created"], zone="-05:00"),
        "updated_at": iso(o["created"], zone="-05:00"),
        "cancelled_at": iso(o["created"], zone="-05:00")
        if o["state"] == "cancelled" else None,
        "cancel_reason": "customer" if o["state"] == "cancelled" else None,
        "financial_status": fin[o["state"]],
        "fulfillment_status": ful[o["state"]],
        "currency": o["currency"], "total_price": o["total"],
        "line_items": [{"title": t, "name": t, "sku": s, "quantity": q,
                        "price": p, "fulfillment_status": ful[o["state"]]}
                       for t, s, q, p in o["items"]],
        "fulfillments": [{"status": "success", "tracking_company": name,
                          "tracking_number": num, "tracking_numbers": [num],
                          "tracking_url": "https://www.ups.com/track?tracknum="
                          + num, "shipment_status": "in_transit",
                          "created_at": iso(at, zone="-05:00")}
                         for _, name, num, at in o["ship"]],
    }


def magento_order(o):
    state = {"shipped": ("complete", "complete"),
             "paid": ("processing", "processing"),
             "cancelled": ("canceled", "canceled")}[o["state"]]
    total = float(o["total"])
    return {
        "entity_id": o["entity"], "increment_id": "%09d" % o["n"],
        "state": state[0], "status": state[1],
        "created_at": iso(o["created"], sep=" ", zone=""),
        "updated_at": iso(o["created"], sep=" ", zone=""),
        "grand_total": total,
        "total_paid": total if o["state"] != "cancelled" else 0,
        "order_currency_code": o["currency"],
        "customer_email": o["email"],
        "items": [{"item_id": 10 + i, "name": t, "sku": s,
                   "qty_ordered": q,
                   "qty_shipped": q if o["state"] == "shipped" else 0,
                   "price": float(p), "parent_item_id": None}
                  for i, (t, s, q, p) in enumerate(o["items"])],
        "billing_address": {"telephone": o["phone"]},
    }


def magento_shipments(o):
    return [{"entity_id": 100 + o["entity"], "order_id": o["entity"],
             "created_at": iso(at, sep=" ", zone=""),
             "tracks": [{"track_number": num, "carrier_code": code,
                         "title": "United Parcel Service"}]}
            for code, _, num, at in o["ship"]]


def woo_order(o):
    status = {"shipped": "completed", "paid": "processing",
              "cancelled": "cancelled"}[o["state"]]
    return {
        "id": o["n"], "number": str(o["n"]), "status": status,
        "currency": o["currency"], "total": o["total"],
        "date_created": iso(o["created"], zone=""),
        "date_created_gmt": iso(o["created"], zone=""),
        "date_modified_gmt": iso(o["created"], zone=""),
        "date_paid_gmt": iso(o["created"], zone="")
        if o["state"] != "cancelled" else None,
        "billing": {"email": o["email"], "phone": o["phone"]},
        "line_items": [{"id": i + 1, "name": t, "sku": s, "quantity": q,
                        "price": float(p),
                        "total": "%.2f" % (float(p) * q)}
                       for i, (t, s, q, p) in enumerate(o["items"])],
        "refunds": [{"id": 9, "total": "-" + o["total"]}]
        if o["state"] == "cancelled" else [],
    }


def woo_trackings(o):
    return [{"tracking_id": "t%d" % o["n"], "tracking_provider": name,
             "tracking_number": num, "date_shipped": "%04d-%02d-%02d" %
             at[:3]} for _, name, num, at in o["ship"]]


def bc_order(o):
    sid = {"shipped": (2, "Shipped"), "paid": (11, "Awaiting Fulfillment"),
           "cancelled": (5, "Cancelled")}[o["state"]]
    return {
        "id": o["n"], "status_id": sid[0], "status": sid[1],
        "date_created": rfc2822(o["created"]),
        "date_modified": rfc2822(o["created"]),
        "total_inc_tax": o["total"] + "00", "currency_code": o["currency"],
        "payment_status": "captured" if o["state"] != "cancelled"
        else "void",
        "billing_address": {"email": o["email"], "phone": o["phone"]},
        "products": {"url": "/v2/orders/%d/products" % o["n"],
                     "resource": "/orders/%d/products" % o["n"]},
    }


def bc_products(o):
    return [{"id": i + 1, "order_id": o["n"], "name": t, "sku": s,
             "quantity": q, "price_inc_tax": p + "00"}
            for i, (t, s, q, p) in enumerate(o["items"])]


def bc_shipments(o):
    return [{"id": 6, "order_id": o["n"], "tracking_number": num,
             "shipping_provider": code, "tracking_carrier": "",
             "shipping_provider_display_name": name,
             "date_created": rfc2822(at)}
            for code, name, num, at in o["ship"]]


def find(key, value):
    for o in ORDERS:
        if key == "n" and str(o["n"]) == value:
            return o
        if key == "email" and o["email"] == value.lower():
            return o
    return None


def newest(pred):
    hits = [o for o in ORDERS if pred(o)]
    hits.sort(key=lambda o: o["created"], reverse=True)
    return hits[:1]


# OAuth 1.0a, as WooCommerce checks it

def pct(s):
    return urllib.parse.quote(s, safe="-._~")


def oauth_ok(method, url, params, clock):
    p = dict(params)
    sig = p.pop("oauth_signature", None)
    if sig is None or p.get("oauth_consumer_key") != WOO_KEY:
        return False
    if p.get("oauth_signature_method") != "HMAC-SHA1" or "oauth_version" in p:
        return False
    try:
        ts = int(p.get("oauth_timestamp", ""))
    except ValueError:
        return False
    now = clock if clock is not None else time.time()
    if abs(ts - now) > 15 * 60:
        return False
    if p.get("oauth_nonce", "") in NONCES:
        return False
    NONCES.add(p.get("oauth_nonce", ""))
    pairs = sorted((pct(k), pct(v)) for k, v in p.items())
    norm = "&".join("%s=%s" % kv for kv in pairs)
    base = "&".join([method, pct(url), pct(norm)])
    want = base64.b64encode(hmac.new((WOO_SECRET + "&").encode(),
                                     base.encode(), hashlib.sha1).digest())
    return hmac.compare_digest(want.decode(), sig)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, body, headers=(), raw=None):
        srv = self.server
        if code == 429:
            with srv.lock:
                srv.n429 += 1
        if raw is None:
            raw = b"" if body is None else json.dumps(body).encode()
            if srv.mode == "malformed" and 200 <= code < 300 and raw:
                raw = raw[:len(raw) // 2]
        self.send_response_only(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        srv = self.server
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query,
                                             keep_blank_values=True))
        with srv.lock:
            srv.count += 1
            n = srv.count
            srv.inflight += 1
            srv.max_inflight = max(srv.max_inflight, srv.inflight)
        try:
            self.answer(srv, url, params, n)
        finally:
            with srv.lock:
                srv.inflight -= 1

    def answer(self, srv, url, params, n):
        self.charged = False    # a connection serves many requests
        vendor, auth = self.auth(url.path, params)
        if srv.log:
            # The signature depends on the port: "auth" says it held.
            path = re.sub(r"oauth_signature=[^&]*", "oauth_signature=SIG",
                          self.path)
            with srv.lock, open(srv.log, "a", encoding="utf-8") as f:
                f.write(json.dumps({"n": n, "method": self.command,
                                    "path": path, "auth": auth},
                                   separators=(",", ":")) + "\n")
        if srv.mode == "slow":
            time.sleep(srv.delay_ms / 1000)
        if srv.latency_ms > 0:
            time.sleep(srv.latency_ms / 1000)
        if vendor is None:
            return self.send(404, {"message": "no such route"})
        if srv.rate > 0 and not self.admit(vendor):
            return self.over_limit(vendor)
        handler = getattr(self, vendor)
        if srv.mode == "down" or (srv.mode == "flaky" and n <= srv.nbad) \
                or (srv.mode == "fail-after" and n > srv.nbad):
            return self.send(503, self.error(vendor, 503, "unavailable"))
        if srv.mode == "429" and n <= srv.nbad:
            return self.limited(vendor)
        if auth != "ok":
            return self.send(401, self.error(vendor, 401, "auth"),
                             self.rate_headers(vendor))
        try:
            handler(url.path, params)
        except Exception as e:  # a stand-in bug is a 500, not a hang
            self.send(500, {"message": repr(e)})

    # Authentication per vendor

    def auth(self, path, params):
        h = self.headers
        if path.startswith("/admin/api/"):
            tok = h.get("X-Shopify-Access-Token")
            return "shopify", "none" if tok is None else \
                "ok" if tok == SHOPIFY_TOKEN else "bad"
        if re.match(r"^/rest(/[A-Za-z0-9_]+)?/V1/", path):
            tok = h.get("Authorization")
            return "magento", "none" if tok is None else \
                "ok" if tok == "Bearer " + MAGENTO_TOKEN else "bad"
        if path.startswith("/wp-json/wc/v3/"):
            basic = h.get("Authorization")
            if basic is not None:
                want = "Basic " + base64.b64encode(
                    ("%s:%s" % (WOO_KEY, WOO_SECRET)).encode()).decode()
                return "woo", "ok" if basic == want else "bad"
            if "oauth_signature" in params:
                url = "http://%s%s" % (h.get("Host"), path)
                return "woo", "ok" if oauth_ok(
                    self.command, url, params, self.server.clock) else "bad"
            return "woo", "none"
        if re.match(r"^/stores/[a-z0-9]+/v2/", path):
            tok = h.get("X-Auth-Token")
            return "bigcommerce", "none" if tok is None else \
                "ok" if tok == BC_TOKEN else "bad"
        return None, "none"

    def error(self, vendor, code, kind):
        msgs = {
            ("shopify", "auth"): "[API] Invalid API key or access token "
            "(unrecognized login or wrong password)",
            ("shopify", "limit"): "Exceeded 2 calls per second for api "
            "client. Reduce request rates to resume uninterrupted service.",
            ("magento", "auth"): "The consumer isn't authorized to access "
            "%resources.",
            ("magento", "missing"): "The entity that was requested doesn't "
            "exist. Verify the entity and try again.",
            ("woo", "auth"): "Consumer key is invalid.",
            ("woo", "missing"): "Invalid ID.",
        }
        msg = msgs.get((vendor, kind), kind)
        if vendor == "shopify":
            return {"errors": "Not Found" if kind == "missing" else msg}
        if vendor == "magento":
            body = {"message": msg}
            if kind == "auth":
                body["parameters"] = {"resources":
                                      "Magento_Sales::actions_view"}
            return body
        if vendor == "woo":
            code_name = {"auth": "woocommerce_rest_authentication_error",
                         "missing": "woocommerce_rest_shop_order_invalid_id"
                         }.get(kind, "woocommerce_rest_error")
            return {"code": code_name, "message": msg,
                    "data": {"status": code}}
        text = {"auth": "You are not authorized.",
                "missing": "The requested resource was not found.",
                "limit": "Too many requests."}.get(kind, kind)
        return [{"status": code, "message": text}]

    # An enforced limit (--rate)

    def admit(self, vendor):
        """Take one request from the vendor's limit; False when over it."""
        srv = self.server
        with srv.lock:
            now = time.monotonic()
            if vendor == "shopify":
                srv.bucket = max(0.0, srv.bucket - (now - srv.leak_at) *
                                 srv.rate)
                srv.leak_at = now
                if srv.bucket + 1 > 40:
                    return False
                srv.bucket += 1
                self.charged = True
                return True
            if vendor == "bigcommerce":
                if now - srv.win_at >= 1.0:
                    srv.win_at, srv.win_used = now, 0
                if srv.win_used >= srv.rate:
                    return False
                srv.win_used += 1
                return True
            b = srv.buckets.setdefault(vendor, [srv.rate, now])
            b[0] = min(srv.rate, b[0] + (now - b[1]) * srv.rate)
            b[1] = now
            if b[0] < 1:
                return False
            b[0] -= 1
            return True

    def over_limit(self, vendor):
        srv = self.server
        if vendor == "shopify":
            with srv.lock:
                now = time.monotonic()
                bucket = max(0.0, srv.bucket - (now - srv.leak_at) * srv.rate)
                wait = max(0.0, (bucket + 1 - 40) / srv.rate)
            return self.send(429, self.error(vendor, 429, "limit"),
                             [("Retry-After", "%.3f" % wait),
                              ("X-Shopify-Shop-Api-Call-Limit", "40/40")])
        if vendor == "bigcommerce":
            return self.send(429, self.error(vendor, 429, "limit"),
                             self.rate_headers(vendor, charge=False))
        return self.send(429, self.error(vendor, 429, "limit"),
                         [("Retry-After", "1")])

    def rate_headers(self, vendor, charge=True):
        srv = self.server
        if vendor == "bigcommerce" and srv.rate > 0:
            with srv.lock:
                left = max(0, int(srv.rate) - srv.win_used)
                reset = max(0, int((srv.win_at + 1.0 - time.monotonic())
                                   * 1000))
            return [("X-Rate-Limit-Time-Window-Ms", "1000"),
                    ("X-Rate-Limit-Time-Reset-Ms", str(reset)),
                    ("X-Rate-Limit-Requests-Quota", str(int(srv.rate))),
                    ("X-Rate-Limit-Requests-Left", str(left))]
        if vendor == "shopify":
            with srv.lock:
                now = time.monotonic()
                srv.bucket = max(0.0, srv.bucket - (now - srv.leak_at) *
                                 (srv.rate if srv.rate > 0 else 2))
                srv.leak_at = now
                if not getattr(self, "charged", False):
                    srv.bucket = min(40.0, srv.bucket + 1)
                used = int(srv.bucket + 0.999)
            return [("X-Shopify-Shop-Api-Call-Limit", "%d/40" % used)]
        if vendor == "bigcommerce":
            with srv.lock:
                srv.bc_left = max(0, srv.bc_left - 1) or 150
                left = srv.bc_left
            return [("X-Rate-Limit-Time-Window-Ms", "30000"),
                    ("X-Rate-Limit-Time-Reset-Ms", "15000"),
                    ("X-Rate-Limit-Requests-Quota", "150"),
                    ("X-Rate-Limit-Requests-Left", str(left))]
        return []

    def limited(self, vendor):
        if vendor == "shopify":
            return self.send(429, self.error(vendor, 429, "limit"),
                             [("Retry-After", "0.2"),
                              ("X-Shopify-Shop-Api-Call-Limit", "40/40")])
        if vendor == "bigcommerce":
            return self.send(429, self.error(vendor, 429, "limit"),
                             [("X-Rate-Limit-Time-Window-Ms", "30000"),
                              ("X-Rate-Limit-Time-Reset-Ms", "200"),
                              ("X-Rate-Limit-Requests-Quota", "150"),
                              ("X-Rate-Limit-Requests-Left", "0")])
        # Magento and WooCommerce have no limiter of their own: what sits
        # in front of them (a proxy, a WAF) says Retry-After in seconds.
        return self.send(429, self.error(vendor, 429, "limit"),
                         [("Retry-After", "1")])

    # Vendors

    def shopify(self, path, params):
        h = self.rate_headers("shopify")
        m = re.match(r"^/admin/api/\d{4}-\d{2}/orders\.json$", path)
        if m:
            if "name" in params:
                o = find("n", params["name"].lstrip("#"))
                hits = [o] if o else []
            elif "email" in params:
                hits = newest(lambda o: o["email"] == params["email"])
            else:
                hits = ORDERS
            return self.send(200, {"orders": [shopify_order(o)
                                              for o in hits]}, h)
        m = re.match(r"^/admin/api/\d{4}-\d{2}/orders/(\d+)\.json$", path)
        if m:
            for o in ORDERS:
                if str(o["id"]) == m.group(1):
                    return self.send(200, {"order": shopify_order(o)}, h)
        return self.send(404, self.error("shopify", 404, "missing"), h)

    def magento(self, path, params):
        field = params.get(
            "searchCriteria[filter_groups][0][filters][0][field]")
        value = params.get(
            "searchCriteria[filter_groups][0][filters][0][value]", "")
        if re.match(r"^/rest(/\w+)?/V1/orders$", path):
            if field == "increment_id":
                hits = [o for o in ORDERS if "%09d" % o["n"] == value]
            elif field == "customer_email":
                hits = newest(lambda o: o["email"] == value)
            else:
                return self.send(400, {"message": "\"%fieldName\" is "
                                       "required. Enter and try again.",
                                       "parameters": {"fieldName":
                                                      "searchCriteria"}})
            return self.send(200, {"items": [magento_order(o) for o in hits],
                                   "search_criteria": {},
                                   "total_count": len(hits)})
        if re.match(r"^/rest(/\w+)?/V1/shipments$", path) and \
                field == "order_id":
            hits = [s for o in ORDERS if str(o["entity"]) == value
                    for s in magento_shipments(o)]
            return self.send(200, {"items": hits, "search_criteria": {},
                                   "total_count": len(hits)})
        m = re.match(r"^/rest(/\w+)?/V1/orders/(\d+)$", path)
        if m:
            for o in ORDERS:
                if str(o["entity"]) == m.group(2):
                    return self.send(200, magento_order(o))
        return self.send(404, self.error("magento", 404, "missing"))

    def woo(self, path, params):
        m = re.match(r"^/wp-json/wc/v3/orders/(\d+)/shipment-trackings$",
                     path)
        if m:
            o = find("n", m.group(1))
            if o:
                return self.send(200, woo_trackings(o))
            return self.send(404, self.error("woo", 404, "missing"))
        m = re.match(r"^/wp-json/wc/v3/orders/(\d+)$", path)
        if m:
            o = find("n", m.group(1))
            if o:
                return self.send(200, woo_order(o))
            return self.send(404, self.error("woo", 404, "missing"))
        if path == "/wp-json/wc/v3/orders":
            q = params.get("search", "").lower()
            digits = re.sub(r"\D", "", q)
            hits = newest(lambda o: q and (o["email"] == q or (
                len(digits) >= 6 and o["phone"].endswith(digits[-10:]))))
            return self.send(200, [woo_order(o) for o in hits],
                             [("X-WP-Total", str(len(hits))),
                              ("X-WP-TotalPages", "1")])
        return self.send(404, {"code": "rest_no_route", "message":
                               "No route was found matching the URL and "
                               "request method.", "data": {"status": 404}})

    def bigcommerce(self, path, params):
        h = self.rate_headers("bigcommerce")
        m = re.match(r"^/stores/\w+/v2/orders/(\d+)(/products|/shipments)?$",
                     path)
        if m:
            o = find("n", m.group(1))
            if o is None:
                return self.send(404, self.error("bigcommerce", 404,
                                                 "missing"), h)
            if m.group(2) == "/products":
                return self.send(200, bc_products(o), h)
            if m.group(2) == "/shipments":
                s = bc_shipments(o)
                if not s:
                    return self.send(204, None, h)
                return self.send(200, s, h)
            return self.send(200, bc_order(o), h)
        if re.match(r"^/stores/\w+/v2/orders$", path):
            hits = newest(lambda o: o["email"] ==
                          params.get("email", "").lower())
            if not hits:
                return self.send(204, None, h)
            return self.send(200, [bc_order(o) for o in hits], h)
        return self.send(404, self.error("bigcommerce", 404, "missing"), h)

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024   # hundreds of clients connect at once

    def handle_error(self, request, client_address):
        # A client that gave up (timeout test) is not an error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="shop backends stand-in")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--mode", default="ok",
                    choices=["ok", "slow", "429", "malformed", "down",
                             "flaky", "fail-after"])
    ap.add_argument("--count", type=int, default=2)
    ap.add_argument("--delay-ms", type=int, default=3000)
    ap.add_argument("--clock", type=float)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--stats")
    args = ap.parse_args()

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.log, srv.mode, srv.nbad = args.log, args.mode, args.count
    srv.delay_ms, srv.clock = args.delay_ms, args.clock
    srv.count, srv.lock = 0, threading.Lock()
    srv.bucket, srv.leak_at, srv.bc_left = 0.0, time.monotonic(), 151
    srv.latency_ms, srv.rate = args.latency_ms, args.rate
    srv.win_at, srv.win_used, srv.buckets = time.monotonic(), 0, {}
    srv.inflight = srv.max_inflight = srv.n429 = 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()
        if args.stats:
            with open(args.stats, "w") as f:
                json.dump({"requests": srv.count, "429": srv.n429,
                           "max_inflight": srv.max_inflight}, f)


if __name__ == "__main__":
    main()
