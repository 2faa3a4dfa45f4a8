/*
 * shop_shopify.c - Shopify Admin REST orders (see shop.h).
 *
 * GET {url}/admin/api/{version}/orders.json?name=N&status=any (or
 * email=E&status=any&limit=1), header X-Shopify-Access-Token. Fulfilments
 * come inline with carrier and tracking numbers. Every response carries
 * X-Shopify-Shop-Api-Call-Limit: used/size of the leaky bucket, which
 * drains at the store's rate; a 429 carries Retry-After in (fractional)
 * seconds. Errors are {"errors": string|object|array}. Shopify has no
 * order search by phone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "ratelimit.h"
#include "shop.h"

/* Normalised status from the financial and fulfilment statuses. */
static const char *
status_of(const json_t *o, const char *fin, const char *ful)
{
	const json_t *fs, *f;
	const char *ss;
	size_t i;
	int delivered = 1, n = 0;

	if (fin != NULL && strcmp(fin, "refunded") == 0)
		return "refunded";
	if (va_shop_jstr(o, "cancelled_at") != NULL ||
	    (fin != NULL && strcmp(fin, "voided") == 0))
		return "cancelled";
	if (ful != NULL && strcmp(ful, "fulfilled") == 0) {
		fs = json_object_get(o, "fulfillments");
		json_array_foreach(fs, i, f) {
			ss = va_shop_jstr(f, "shipment_status");
			n++;
			if (ss == NULL || strcmp(ss, "delivered") != 0)
				delivered = 0;
		}
		return n > 0 && delivered ? "delivered" : "shipped";
	}
	if (ful != NULL && strcmp(ful, "partial") == 0)
		return "partially_shipped";
	if (fin == NULL || strcmp(fin, "pending") == 0)
		return "pending";
	return "processing";
}

static int
map_order(const json_t *j, struct va_order *o)
{
	const json_t *arr, *v, *tn;
	struct va_order_fulfilment *f;
	const char *fin, *ful, *name, *cur;
	char buf[32];
	int64_t n;
	size_t i, k;
	int rc, bad = 0;

	fin = va_shop_jstr(j, "financial_status");
	ful = va_shop_jstr(j, "fulfillment_status");
	if ((name = va_shop_jstr(j, "name")) != NULL)
		bad |= va_order_set(&o->number, name + (name[0] == '#'));
	else if (va_shop_jint(j, "order_number", &n) == 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)n);
		bad |= va_order_set(&o->number, buf);
	}
	if (va_shop_jint(j, "id", &n) == 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)n);
		bad |= va_order_set(&o->id, buf);
	}
	bad |= va_order_set(&o->status, status_of(j, fin, ful));
	bad |= va_order_set(&o->vendor_status, ful ? ful : "unfulfilled");
	bad |= va_order_set(&o->financial_status, fin);
	cur = va_shop_jstr(j, "currency");
	bad |= va_order_set(&o->currency, cur);
	if (va_money_json(json_object_get(j, "total_price"), cur, &o->total))
		o->total = -1;
	bad |= va_order_set(&o->email, va_shop_jstr(j, "email"));
	bad |= va_shop_jdate(j, "created_at", &o->created_at);
	bad |= va_shop_jdate(j, "updated_at", &o->updated_at);
	bad |= va_shop_jdate(j, "cancelled_at", &o->cancelled_at);
	arr = json_object_get(j, "line_items");
	json_array_foreach(arr, i, v) {
		if ((rc = va_shop_add_item(o, v, cur, "title", "quantity",
		    "price")) == -1)
			return -1;
		bad |= rc;
	}
	arr = json_object_get(j, "fulfillments");
	json_array_foreach(arr, i, v) {
		if ((f = va_order_add_fulfilment(o)) == NULL)
			return -1;
		bad |= va_order_set(&f->status,
		    va_shop_jstr(v, "shipment_status"));
		bad |= va_order_set(&f->carrier,
		    va_shop_jstr(v, "tracking_company"));
		json_array_foreach(json_object_get(v, "tracking_numbers"), k,
		    tn)
			if (json_is_string(tn))
				bad |= va_order_add_tracking(f,
				    json_string_value(tn));
		bad |= va_order_add_tracking(f,
		    va_shop_jstr(v, "tracking_number"));
		bad |= va_shop_jdate(v, "created_at", &f->shipped_at);
	}
	return bad ? -1 : 0;
}

static int
shopify_lookup(struct va_shop *s, const struct va_shop_query *q,
    struct va_shop_answer *a)
{
	struct va_http_resp resp;
	const char *hdrs[3];
	char path[1024], auth[1024];
	char *esc;
	const json_t *o;
	json_t *j = NULL;

	if (q->phone != NULL) {
		va_shop_fail(a, VA_SHOP_INVALID, "unsupported",
		    "Shopify orders cannot be searched by phone");
		return 0;
	}
	if ((esc = va_http_escape(q->number ? q->number : q->email)) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/admin/api/%s/orders.json?%s=%s"
	    "&status=any&limit=1", s->api_version ? s->api_version : "2025-10",
	    q->number ? "name" : "email", esc);
	free(esc);
	snprintf(auth, sizeof(auth), "X-Shopify-Access-Token: %s",
	    s->token ? s->token : "");
	hdrs[0] = auth;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
	va_shop_get(s, path, hdrs, NULL, &resp, a);
	memset(auth, 0, sizeof(auth));
	if ((j = va_shop_order_json(&resp, a)) == NULL ||
	    (o = va_shop_first_order(j, "orders", a)) == NULL)
		goto out;
	if (!json_is_object(o) || map_order(o, &a->order) == -1 ||
	    a->order.number == NULL) {
		va_shop_malformed(a, "order without a name");
		goto out;
	}
	a->status = VA_SHOP_OK;
out:
	json_decref(j);
	va_http_resp_free(&resp);
	return 0;
}

/* X-Shopify-Shop-Api-Call-Limit: 32/40; the bucket drains at the rate. */
static void
shopify_note(struct va_shop *s, const struct va_http_resp *r, int64_t now)
{
	const char *v;
	long used, size;

	if (r->status == 429) {
		va_shop_note_retry_after(s, r, now);
		return;
	}
	v = va_http_header(r, "X-Shopify-Shop-Api-Call-Limit");
	if (v == NULL || sscanf(v, "%ld/%ld", &used, &size) != 2 ||
	    size <= 0 || used < 0)
		return;
	va_ratelimit_note(s->rl, now, used >= size ? 0 : size - used,
	    (int64_t)(1000.0 / (s->rate > 0 ? s->rate : 2)) + 1);
}

const struct va_shop_backend va_shop_shopify = {
	"shopify", shopify_lookup, shopify_note, 2, 40
};
