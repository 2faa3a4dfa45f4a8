/*
 * shop_bigcommerce.c - BigCommerce Orders v2 (see shop.h).
 *
 * The configured URL is https://api.bigcommerce.com/stores/{store_hash}.
 * GET /v2/orders/{id} (or /v2/orders?email=E&sort=date_created:desc
 * &limit=1), then /v2/orders/{id}/products for the items and
 * /v2/orders/{id}/shipments for carriers and tracking numbers, which
 * answers 204 No Content when there are none (an empty list answers 204
 * too). Header X-Auth-Token. v2 errors are arrays of {"status", "message"}.
 * Every response carries X-Rate-Limit-Requests-Left and
 * X-Rate-Limit-Time-Reset-Ms (the quota window, 30 s), which feed the rate
 * limiter; a 429 is waited out for the reset time (or X-Retry-After).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "ratelimit.h"
#include "shop.h"

static const char *
status_of(int64_t id, int shipped)
{
	static const char *const map[] = {
		"pending",		/* 0 Incomplete */
		"pending",		/* 1 Pending */
		"shipped",		/* 2 Shipped */
		"partially_shipped",	/* 3 Partially Shipped */
		"refunded",		/* 4 Refunded */
		"cancelled",		/* 5 Cancelled */
		"failed",		/* 6 Declined */
		"pending",		/* 7 Awaiting Payment */
		"processing",		/* 8 Awaiting Pickup */
		"processing",		/* 9 Awaiting Shipment */
		"completed",		/* 10 Completed */
		"processing",		/* 11 Awaiting Fulfillment */
		"on_hold",		/* 12 Manual Verification Required */
		"on_hold",		/* 13 Disputed */
		"completed",		/* 14 Partially Refunded */
	};

	if (id < 0 || id >= (int64_t)(sizeof(map) / sizeof(map[0])))
		return "unknown";
	if ((id == 10 || id == 14) && shipped)
		return "shipped";
	return map[id];
}

static const char *
financial_of(const char *ps, int64_t status_id)
{
	if (status_id == 4)
		return "refunded";
	if (status_id == 14)
		return "partially_refunded";
	if (ps == NULL)
		return "pending";
	if (strcmp(ps, "captured") == 0 || strcmp(ps, "paid") == 0)
		return "paid";
	if (strcmp(ps, "partially refunded") == 0)
		return "partially_refunded";
	if (strcmp(ps, "authorized") == 0 || strcmp(ps, "refunded") == 0 ||
	    strcmp(ps, "void") == 0)
		return ps;
	return "pending";
}

static int
map_order(const json_t *j, struct va_order *o, int64_t *status_id)
{
	const char *cur;
	char buf[32];
	int64_t n;
	int bad = 0;

	if (va_shop_jint(j, "id", &n) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "%lld", (long long)n);
	bad |= va_order_set(&o->number, buf);
	bad |= va_order_set(&o->id, buf);
	if (va_shop_jint(j, "status_id", status_id) == -1)
		*status_id = -1;
	bad |= va_order_set(&o->vendor_status, va_shop_jstr(j, "status"));
	bad |= va_order_set(&o->financial_status,
	    financial_of(va_shop_jstr(j, "payment_status"), *status_id));
	cur = va_shop_jstr(j, "currency_code");
	bad |= va_order_set(&o->currency, cur);
	if (va_money_json(json_object_get(j, "total_inc_tax"), cur, &o->total))
		o->total = -1;
	bad |= va_order_set(&o->email, va_shop_jstr(json_object_get(j,
	    "billing_address"), "email"));
	bad |= va_shop_jdate(j, "date_created", &o->created_at);
	bad |= va_shop_jdate(j, "date_modified", &o->updated_at);
	return bad ? -1 : 0;
}

/* GET a v2 path; *j the JSON body, NULL for 204 or 404. 0 or -1. */
static int
bc_get(struct va_shop *s, const char *path, json_t **j, int *notfound,
    struct va_shop_answer *a)
{
	struct va_http_resp resp;
	const char *hdrs[4];
	char auth[1024];
	int rc = -1;

	*j = NULL;
	*notfound = 0;
	snprintf(auth, sizeof(auth), "X-Auth-Token: %s",
	    s->token ? s->token : "");
	hdrs[0] = auth;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = "Content-Type: application/json";
	hdrs[3] = NULL;
	va_shop_get(s, path, hdrs, NULL, &resp, a);
	memset(auth, 0, sizeof(auth));
	if (a->reason != NULL)
		goto out;
	if (resp.outcome == VA_HTTP_NOT_FOUND || resp.status == 204) {
		*notfound = 1;
		rc = 0;
		goto out;
	}
	if ((*j = va_shop_json(&resp, a)) != NULL)
		rc = 0;
out:
	va_http_resp_free(&resp);
	return rc;
}

static int
products(struct va_shop *s, struct va_shop_answer *a)
{
	const json_t *v;
	char path[256];
	json_t *j;
	size_t i;
	int nf, rc, bad = 0;

	snprintf(path, sizeof(path), "/v2/orders/%s/products", a->order.id);
	if (bc_get(s, path, &j, &nf, a) == -1)
		return -1;
	if (j != NULL && !json_is_array(j)) {
		json_decref(j);
		va_shop_malformed(a, "products are not an array");
		return -1;
	}
	json_array_foreach(j, i, v) {
		if ((rc = va_shop_add_item(&a->order, v, a->order.currency,
		    "name", "quantity", "price_inc_tax")) == -1) {
			bad = 1;
			break;
		}
		bad |= rc;
	}
	json_decref(j);
	return bad ? -1 : 0;
}

static int
shipments(struct va_shop *s, struct va_shop_answer *a)
{
	struct va_order_fulfilment *f;
	const json_t *v;
	const char *c;
	char path[256];
	json_t *j;
	size_t i;
	int nf, bad = 0;

	snprintf(path, sizeof(path), "/v2/orders/%s/shipments", a->order.id);
	if (bc_get(s, path, &j, &nf, a) == -1)
		return -1;
	if (j != NULL && !json_is_array(j)) {
		json_decref(j);
		va_shop_malformed(a, "shipments are not an array");
		return -1;
	}
	json_array_foreach(j, i, v) {
		if ((f = va_order_add_fulfilment(&a->order)) == NULL) {
			bad = 1;
			break;
		}
		if ((c = va_shop_jstr(v, "shipping_provider_display_name")) ==
		    NULL && (c = va_shop_jstr(v, "tracking_carrier")) == NULL)
			c = va_shop_carrier_name(va_shop_jstr(v,
			    "shipping_provider"));
		bad |= va_order_set(&f->carrier, c);
		bad |= va_order_add_tracking(f,
		    va_shop_jstr(v, "tracking_number"));
		bad |= va_shop_jdate(v, "date_created", &f->shipped_at);
	}
	json_decref(j);
	return bad ? -1 : 0;
}

static int
bc_lookup(struct va_shop *s, const struct va_shop_query *q,
    struct va_shop_answer *a)
{
	char path[1024];
	const json_t *o;
	json_t *j = NULL;
	char *esc;
	int64_t status_id;
	int nf;

	if (q->phone != NULL) {
		va_shop_fail(a, VA_SHOP_INVALID, "unsupported",
		    "BigCommerce orders cannot be searched by phone");
		return 0;
	}
	if (q->number != NULL && strspn(q->number, "0123456789") !=
	    strlen(q->number)) {
		va_shop_fail(a, VA_SHOP_NOT_FOUND, "not_found",
		    "BigCommerce order ids are digits");
		return 0;
	}
	if ((esc = va_http_escape(q->number ? q->number : q->email)) == NULL)
		return -1;
	if (q->number != NULL)
		snprintf(path, sizeof(path), "/v2/orders/%s", esc);
	else
		snprintf(path, sizeof(path), "/v2/orders?email=%s"
		    "&sort=date_created:desc&limit=1", esc);
	free(esc);
	if (bc_get(s, path, &j, &nf, a) == -1)
		goto out;
	if (nf) {
		va_shop_fail(a, VA_SHOP_NOT_FOUND, "not_found", "no order");
		goto out;
	}
	if ((o = va_shop_first_order(j, NULL, a)) == NULL)
		goto out;
	if (!json_is_object(o) || map_order(o, &a->order, &status_id) == -1) {
		va_shop_malformed(a, "order without an id");
		goto out;
	}
	if (products(s, a) == -1 || shipments(s, a) == -1) {
		if (a->reason == NULL)
			va_shop_malformed(a, "products or shipments");
		goto out;
	}
	if (va_order_set(&a->order.status, status_of(status_id,
	    a->order.nfulfilments > 0)) == -1)
		goto out;
	a->status = VA_SHOP_OK;
out:
	json_decref(j);
	return 0;
}

static void
bc_note(struct va_shop *s, const struct va_http_resp *r, int64_t now)
{
	const char *left, *reset;
	long n;
	int64_t ms;

	left = va_http_header(r, "X-Rate-Limit-Requests-Left");
	reset = va_http_header(r, "X-Rate-Limit-Time-Reset-Ms");
	ms = reset != NULL ? strtoll(reset, NULL, 10) : -1;
	if (r->status == 429) {
		/* A 429 without the headers: platform overload, back off. */
		va_ratelimit_note_429(s->rl, now, ms);
		return;
	}
	if (left == NULL)
		return;
	n = strtol(left, NULL, 10);
	va_ratelimit_note(s->rl, now, n < 0 ? 0 : n, ms);
}

const struct va_shop_backend va_shop_bigcommerce = {
	"bigcommerce", bc_lookup, bc_note, 5, 150
};
