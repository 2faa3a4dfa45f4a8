/*
 * shop_magento.c - Magento 2 / Adobe Commerce REST orders (see shop.h).
 *
 * The number a customer says is the increment_id ("000000123"), not the
 * entity_id in /V1/orders/{id}, so orders are found with a searchCriteria
 * filter on increment_id (or customer_email, newest first):
 *   GET {url}/rest[/{store_code}]/V1/orders?searchCriteria[filter_groups]
 *       [0][filters][0][field]=increment_id&...[value]=000000123
 * and tracking numbers with a second search on /V1/shipments by order_id.
 * A number of fewer than nine digits is padded with zeros, as Magento's
 * default increment ids are ("123" -> "000000123").
 * Header Authorization: Bearer <integration token>. Errors are
 * {"message": "...", "parameters": ...}. No rate-limit contract in core:
 * only a 429's Retry-After from whatever sits in front is honoured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "shop.h"

#define SC	"searchCriteria%%5Bfilter_groups%%5D%%5B0%%5D" \
		"%%5Bfilters%%5D%%5B0%%5D"

static const char *
status_of(const char *state, const json_t *items)
{
	const json_t *it;
	int64_t ordered, shipped;
	size_t i;
	int some = 0, all = 1;

	if (state == NULL)
		return "unknown";
	if (strcmp(state, "new") == 0 || strcmp(state, "pending_payment") == 0)
		return "pending";
	if (strcmp(state, "holded") == 0 ||
	    strcmp(state, "payment_review") == 0)
		return "on_hold";
	if (strcmp(state, "canceled") == 0)
		return "cancelled";
	if (strcmp(state, "closed") == 0)
		return "refunded";
	if (strcmp(state, "complete") == 0)
		return "shipped";
	if (strcmp(state, "processing") != 0)
		return "unknown";
	json_array_foreach(items, i, it) {
		if (json_is_integer(json_object_get(it, "parent_item_id")))
			continue;
		if (va_shop_jint(it, "qty_ordered", &ordered) == -1)
			ordered = 0;
		if (va_shop_jint(it, "qty_shipped", &shipped) == -1)
			shipped = 0;
		if (shipped > 0)
			some = 1;
		if (shipped < ordered)
			all = 0;
	}
	return some ? all ? "shipped" : "partially_shipped" : "processing";
}

static const char *
financial_of(const json_t *j, const char *cur)
{
	int64_t total = -1, paid = -1, refunded = -1;

	va_money_json(json_object_get(j, "grand_total"), cur, &total);
	va_money_json(json_object_get(j, "total_paid"), cur, &paid);
	va_money_json(json_object_get(j, "total_refunded"), cur, &refunded);
	if (refunded > 0)
		return refunded >= total ? "refunded" : "partially_refunded";
	if (paid >= 0 && total >= 0 && paid >= total)
		return "paid";
	return "pending";
}

static int
map_order(const json_t *j, struct va_order *o)
{
	const json_t *items, *v;
	const char *cur, *state;
	char buf[32];
	int64_t n;
	size_t i;
	int rc, bad = 0;

	items = json_object_get(j, "items");
	state = va_shop_jstr(j, "state");
	bad |= va_order_set(&o->number, va_shop_jstr(j, "increment_id"));
	if (va_shop_jint(j, "entity_id", &n) == 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)n);
		bad |= va_order_set(&o->id, buf);
	}
	bad |= va_order_set(&o->status, status_of(state, items));
	bad |= va_order_set(&o->vendor_status, va_shop_jstr(j, "status"));
	cur = va_shop_jstr(j, "order_currency_code");
	bad |= va_order_set(&o->currency, cur);
	bad |= va_order_set(&o->financial_status, financial_of(j, cur));
	if (va_money_json(json_object_get(j, "grand_total"), cur, &o->total))
		o->total = -1;
	bad |= va_order_set(&o->email, va_shop_jstr(j, "customer_email"));
	bad |= va_shop_jdate(j, "created_at", &o->created_at);
	bad |= va_shop_jdate(j, "updated_at", &o->updated_at);
	json_array_foreach(items, i, v) {
		/* Children of configurable products repeat their parent. */
		if (json_is_integer(json_object_get(v, "parent_item_id")))
			continue;
		if ((rc = va_shop_add_item(o, v, cur, "name", "qty_ordered",
		    "price")) == -1)
			return -1;
		bad |= rc;
	}
	return bad ? -1 : 0;
}

static void
headers(struct va_shop *s, char *auth, size_t cap, const char **hdrs)
{
	snprintf(auth, cap, "Authorization: Bearer %s",
	    s->token ? s->token : "");
	hdrs[0] = auth;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
}

static void
prefix(struct va_shop *s, char *out, size_t cap)
{
	if (s->store_code != NULL)
		snprintf(out, cap, "/rest/%s/V1", s->store_code);
	else
		snprintf(out, cap, "/rest/V1");
}

/* Tracking numbers from the order's shipments; 0, or -1 on failure. */
static int
shipments(struct va_shop *s, struct va_shop_answer *a)
{
	struct va_http_resp resp;
	struct va_order_fulfilment *f;
	const json_t *items, *sh, *tracks, *t;
	const char *hdrs[3], *code;
	char path[1024], auth[1024], pre[256];
	json_t *j = NULL;
	size_t i, k;
	int rc = -1;

	prefix(s, pre, sizeof(pre));
	snprintf(path, sizeof(path), "%s/shipments?" SC "%%5Bfield%%5D="
	    "order_id&" SC "%%5Bvalue%%5D=%s", pre, a->order.id);
	headers(s, auth, sizeof(auth), hdrs);
	va_shop_get(s, path, hdrs, NULL, &resp, a);
	memset(auth, 0, sizeof(auth));
	if ((j = va_shop_part_json(&resp, a)) == NULL) {
		rc = a->reason != NULL ? -1 : 0;
		goto out;
	}
	if (!json_is_array(items = json_object_get(j, "items"))) {
		va_shop_malformed(a, "shipments without items");
		goto out;
	}
	json_array_foreach(items, i, sh) {
		if ((f = va_order_add_fulfilment(&a->order)) == NULL)
			goto out;
		va_shop_jdate(sh, "created_at", &f->shipped_at);
		tracks = json_object_get(sh, "tracks");
		json_array_foreach(tracks, k, t) {
			code = va_shop_jstr(t, "carrier_code");
			if (code == NULL || strcmp(code, "custom") == 0)
				code = va_shop_jstr(t, "title");
			if (f->carrier == NULL)
				va_order_set(&f->carrier,
				    va_shop_carrier_name(code));
			if (va_order_add_tracking(f,
			    va_shop_jstr(t, "track_number")) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(j);
	va_http_resp_free(&resp);
	return rc;
}

static int
magento_lookup(struct va_shop *s, const struct va_shop_query *q,
    struct va_shop_answer *a)
{
	struct va_http_resp resp;
	const char *hdrs[3];
	char path[1024], auth[1024], pre[256], padded[32];
	char *esc;
	const json_t *o;
	json_t *j = NULL;

	if (q->phone != NULL) {
		va_shop_fail(a, VA_SHOP_INVALID, "unsupported",
		    "Magento orders cannot be searched by phone");
		return 0;
	}
	/* Increment ids are nine digits by default: "123" is "000000123". */
	if (q->number != NULL && strlen(q->number) < 9 &&
	    strspn(q->number, "0123456789") == strlen(q->number)) {
		snprintf(padded, sizeof(padded), "%09lld",
		    strtoll(q->number, NULL, 10));
		esc = va_http_escape(padded);
	} else
		esc = va_http_escape(q->number ? q->number : q->email);
	if (esc == NULL)
		return -1;
	prefix(s, pre, sizeof(pre));
	snprintf(path, sizeof(path), "%s/orders?" SC "%%5Bfield%%5D=%s&" SC
	    "%%5Bvalue%%5D=%s&searchCriteria%%5BsortOrders%%5D%%5B0%%5D"
	    "%%5Bfield%%5D=created_at&searchCriteria%%5BsortOrders%%5D%%5B0"
	    "%%5D%%5Bdirection%%5D=DESC&searchCriteria%%5BpageSize%%5D=1",
	    pre, q->number ? "increment_id" : "customer_email", esc);
	free(esc);
	headers(s, auth, sizeof(auth), hdrs);
	va_shop_get(s, path, hdrs, NULL, &resp, a);
	memset(auth, 0, sizeof(auth));
	if ((j = va_shop_order_json(&resp, a)) == NULL ||
	    (o = va_shop_first_order(j, "items", a)) == NULL)
		goto out;
	if (!json_is_object(o) || map_order(o, &a->order) == -1 ||
	    a->order.number == NULL || a->order.id == NULL) {
		va_shop_malformed(a, "order without increment_id or entity_id");
		goto out;
	}
	if (shipments(s, a) == -1) {
		if (a->reason == NULL)
			va_shop_malformed(a, "shipments");
		goto out;
	}
	a->status = VA_SHOP_OK;
out:
	json_decref(j);
	va_http_resp_free(&resp);
	return 0;
}

const struct va_shop_backend va_shop_magento = {
	"magento", magento_lookup, va_shop_note_retry_after, 10, 10
};
