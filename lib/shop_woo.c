/*
 * shop_woo.c - WooCommerce REST API v3 orders (see shop.h).
 *
 * GET {url}/wp-json/wc/v3/orders/{number} (the bare order), or
 * /orders?search=E&per_page=1 for an email or phone; tracking numbers from
 * the Shipment Tracking extension's /orders/{id}/shipment-trackings (a 404
 * there means the extension is not installed: no tracking).
 *
 * Authentication: over HTTPS, HTTP Basic with consumer key and secret;
 * over plain HTTP, OAuth 1.0a one-legged signing in the query string:
 * oauth_consumer_key, oauth_nonce, oauth_signature_method=HMAC-SHA1,
 * oauth_timestamp and oauth_signature = base64(HMAC-SHA1(secret + "&",
 * METHOD&pct(url)&pct(sorted params))), without oauth_version. Errors are
 * {"code": "...", "message": "...", "data": {"status": N}}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "clock.h"
#include "hmac.h"
#include "http.h"
#include "log.h"
#include "shop.h"

static int
cmp_param(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t kx = strcspn(x, "="), ky = strcspn(y, "=");
	int c;

	/* By name, then by value, both already percent-encoded. */
	c = strncmp(x, y, kx < ky ? kx : ky);
	if (c != 0)
		return c;
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return strcmp(x + kx, y + ky);
}

char *
va_shop_oauth1_query(const char *method, const char *url, const char *query,
    const char *key, const char *secret, long long ts, const char *nonce)
{
	unsigned char mac[VA_HMAC_SHA1_LEN];
	char *params[64], *copy = NULL, *tok, *save = NULL, *base = NULL;
	char *ekey = NULL, *eurl = NULL, *eparams = NULL, *ksec = NULL;
	char *esig = NULL, *out = NULL, own[4][160];
	size_t n = 0, i, len;
	char b64[64];

	if ((ekey = va_http_escape(key)) == NULL ||
	    (copy = strdup(query ? query : "")) == NULL)
		goto done;
	for (tok = strtok_r(copy, "&", &save); tok != NULL && n < 59;
	    tok = strtok_r(NULL, "&", &save))
		params[n++] = tok;
	snprintf(own[0], sizeof(own[0]), "oauth_consumer_key=%s", ekey);
	snprintf(own[1], sizeof(own[1]), "oauth_nonce=%s", nonce);
	snprintf(own[2], sizeof(own[2]), "oauth_signature_method=HMAC-SHA1");
	snprintf(own[3], sizeof(own[3]), "oauth_timestamp=%lld", ts);
	for (i = 0; i < 4; i++)
		params[n++] = own[i];
	qsort(params, n, sizeof(params[0]), cmp_param);
	for (len = 1, i = 0; i < n; i++)
		len += strlen(params[i]) + 1;
	if ((base = malloc(len)) == NULL)
		goto done;
	base[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(base, "&");
		strcat(base, params[i]);
	}
	if ((eurl = va_http_escape(url)) == NULL ||
	    (eparams = va_http_escape(base)) == NULL)
		goto done;
	free(base);
	len = strlen(method) + strlen(eurl) + strlen(eparams) + 3;
	if ((base = malloc(len)) == NULL ||
	    (ksec = malloc(strlen(secret) + 2)) == NULL)
		goto done;
	snprintf(base, len, "%s&%s&%s", method, eurl, eparams);
	snprintf(ksec, strlen(secret) + 2, "%s&", secret);
	if (va_hmac_sha1(ksec, strlen(ksec), base, strlen(base), mac) == -1)
		goto done;
	va_b64_encode(mac, sizeof(mac), b64);
	if ((esig = va_http_escape(b64)) == NULL)
		goto done;
	len = strlen(query ? query : "") + strlen(esig) + 4 * 160 + 32;
	if ((out = malloc(len)) == NULL)
		goto done;
	snprintf(out, len, "%s%s%s&%s&oauth_signature=%s&%s&%s", query ?
	    query : "", query && *query ? "&" : "", own[0], own[1], esig,
	    own[2], own[3]);
done:
	if (ksec != NULL)
		memset(ksec, 0, strlen(ksec));
	free(ksec);
	free(copy);
	free(base);
	free(ekey);
	free(eurl);
	free(eparams);
	free(esig);
	return out;
}

static const char *
status_of(const char *st, int tracked)
{
	static const char *const map[][2] = {
		{ "pending", "pending" }, { "processing", "processing" },
		{ "on-hold", "on_hold" }, { "cancelled", "cancelled" },
		{ "refunded", "refunded" }, { "failed", "failed" },
		{ "trash", "cancelled" }, { "checkout-draft", "pending" },
		{ NULL, NULL }
	};
	size_t i;

	if (st == NULL)
		return "unknown";
	if (strcmp(st, "completed") == 0)
		return tracked ? "shipped" : "completed";
	for (i = 0; map[i][0] != NULL; i++)
		if (strcmp(map[i][0], st) == 0)
			return map[i][1];
	return "unknown";
}

static int
map_order(const json_t *j, struct va_order *o)
{
	const json_t *v, *refunds;
	const char *cur, *num;
	char buf[32];
	int64_t n, refunded = 0, r;
	size_t i;
	int rc, bad = 0;

	if ((num = va_shop_jstr(j, "number")) != NULL)
		bad |= va_order_set(&o->number, num);
	if (va_shop_jint(j, "id", &n) == 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)n);
		bad |= va_order_set(&o->id, buf);
		if (o->number == NULL)
			bad |= va_order_set(&o->number, buf);
	}
	bad |= va_order_set(&o->vendor_status, va_shop_jstr(j, "status"));
	cur = va_shop_jstr(j, "currency");
	bad |= va_order_set(&o->currency, cur);
	if (va_money_json(json_object_get(j, "total"), cur, &o->total))
		o->total = -1;
	refunds = json_object_get(j, "refunds");
	json_array_foreach(refunds, i, v)
		if (va_money_json(json_object_get(v, "total"), cur, &r) == 0)
			refunded += r < 0 ? -r : r;
	if (refunded > 0)
		bad |= va_order_set(&o->financial_status,
		    o->total >= 0 && refunded >= o->total ? "refunded" :
		    "partially_refunded");
	else
		bad |= va_order_set(&o->financial_status,
		    va_shop_jstr(j, "date_paid_gmt") != NULL ||
		    va_shop_jstr(j, "date_paid") != NULL ? "paid" : "pending");
	bad |= va_order_set(&o->email,
	    va_shop_jstr(json_object_get(j, "billing"), "email"));
	if (va_shop_jstr(j, "date_created_gmt") != NULL)
		bad |= va_shop_jdate(j, "date_created_gmt", &o->created_at);
	else
		bad |= va_shop_jdate(j, "date_created", &o->created_at);
	bad |= va_shop_jdate(j, "date_modified_gmt", &o->updated_at);
	json_array_foreach(json_object_get(j, "line_items"), i, v) {
		if ((rc = va_shop_add_item(o, v, cur, "name", "quantity",
		    "price")) == -1)
			return -1;
		bad |= rc;
	}
	return bad ? -1 : 0;
}

/* GET {url}/wp-json/wc/v3/{rest}?{query}, authenticated as configured. */
static int
woo_get(struct va_shop *s, const char *rest, const char *query,
    struct va_http_resp *resp, struct va_shop_answer *a)
{
	const char *hdrs[] = { "Accept: application/json", NULL };
	char path[2048], url[4096], nonce[33], userpwd[1024];
	char *signed_q;
	int basic, rc, try, tries, saved;
	int64_t delay;

	basic = s->auth == VA_SHOP_AUTH_BASIC ||
	    (s->auth == VA_SHOP_AUTH_DEFAULT &&
	    strncasecmp(s->url, "https:", 6) == 0);
	if (basic) {
		snprintf(path, sizeof(path), "/wp-json/wc/v3/%s%s%s", rest,
		    *query ? "?" : "", query);
		snprintf(userpwd, sizeof(userpwd), "%s:%s",
		    s->key ? s->key : "", s->secret ? s->secret : "");
		rc = va_shop_get(s, path, hdrs, userpwd, resp, a);
		memset(userpwd, 0, sizeof(userpwd));
		return rc;
	}
	/*
	 * A signed request must not be sent twice (the nonce is single use),
	 * so each try is signed afresh here instead of retried by lib/http.c.
	 */
	snprintf(url, sizeof(url), "%s/wp-json/wc/v3/%s", s->url, rest);
	saved = s->tries;
	/* A runner's lookup retries by replaying, which signs afresh. */
	tries = s->cur != NULL ? 1 : s->tries;
	s->tries = 1;
	s->no_resend = 1;
	for (try = 1;; try++) {
		snprintf(nonce, sizeof(nonce), "%016llx%016llx",
		    (unsigned long long)va_rand(),
		    (unsigned long long)va_rand());
		signed_q = va_shop_oauth1_query("GET", url, query,
		    s->key ? s->key : "", s->secret ? s->secret : "",
		    (long long)(va_clock_ms() / 1000), nonce);
		if (signed_q == NULL) {
			memset(resp, 0, sizeof(*resp));
			va_shop_fail(a, VA_SHOP_UNAVAILABLE, "client",
			    "cannot sign the request");
			rc = -1;
			break;
		}
		snprintf(path, sizeof(path), "/wp-json/wc/v3/%s?%s", rest,
		    signed_q);
		free(signed_q);
		rc = va_shop_get(s, path, hdrs, NULL, resp, a);
		delay = (int64_t)(va_rand_unit() * (100 << (try - 1)));
		if (resp->status == 429 && va_shop_retry_after(resp) > delay)
			delay = va_shop_retry_after(resp);
		if (!a->failure || try >= tries ||
		    va_shop_now_ms() + delay >= s->deadline)
			break;
		va_log(VA_INFO, "http_retry", "%s: %s, try %d of %d, signing "
		    "again in %lld ms", s->name, a->reason, try, tries,
		    (long long)delay);
		va_http_resp_free(resp);
		a->reason = NULL;
		a->failure = 0;
		a->status = VA_SHOP_OK;
		va_sleep_ms(delay);
	}
	s->tries = saved;
	s->no_resend = 0;
	return rc;
}

/* Tracking from the Shipment Tracking extension; 0, or -1 on failure. */
static int
trackings(struct va_shop *s, struct va_shop_answer *a)
{
	struct va_http_resp resp;
	struct va_order_fulfilment *f;
	const json_t *t;
	const char *prov;
	char rest[256];
	json_t *j = NULL;
	size_t i;
	int rc = -1;

	snprintf(rest, sizeof(rest), "orders/%s/shipment-trackings",
	    a->order.id);
	woo_get(s, rest, "", &resp, a);
	if ((j = va_shop_part_json(&resp, a)) == NULL) {
		rc = a->reason != NULL ? -1 : 0;
		goto out;
	}
	if (!json_is_array(j)) {
		va_shop_malformed(a, "shipment trackings are not an array");
		goto out;
	}
	json_array_foreach(j, i, t) {
		if ((f = va_order_add_fulfilment(&a->order)) == NULL)
			goto out;
		prov = va_shop_jstr(t, "tracking_provider");
		if (prov == NULL)
			prov = va_shop_jstr(t, "custom_tracking_provider");
		va_order_set(&f->carrier, va_shop_carrier_name(prov));
		va_shop_jdate(t, "date_shipped", &f->shipped_at);
		if (va_order_add_tracking(f,
		    va_shop_jstr(t, "tracking_number")) == -1)
			goto out;
	}
	rc = 0;
out:
	json_decref(j);
	va_http_resp_free(&resp);
	return rc;
}

static int
woo_lookup(struct va_shop *s, const struct va_shop_query *q,
    struct va_shop_answer *a)
{
	struct va_http_resp resp;
	char rest[256], query[512];
	const json_t *o;
	json_t *j = NULL;
	char *esc;
	size_t i;
	int tracked = 0;

	if ((esc = va_http_escape(q->number ? q->number :
	    q->phone ? q->phone : q->email)) == NULL)
		return -1;
	if (q->number != NULL) {
		snprintf(rest, sizeof(rest), "orders/%s", esc);
		query[0] = '\0';
	} else {
		snprintf(rest, sizeof(rest), "orders");
		snprintf(query, sizeof(query), "per_page=1&search=%s", esc);
	}
	free(esc);
	woo_get(s, rest, query, &resp, a);
	if ((j = va_shop_order_json(&resp, a)) == NULL ||
	    (o = va_shop_first_order(j, NULL, a)) == NULL)
		goto out;
	if (!json_is_object(o) || map_order(o, &a->order) == -1 ||
	    a->order.id == NULL) {
		va_shop_malformed(a, "order without an id");
		goto out;
	}
	if (trackings(s, a) == -1) {
		if (a->reason == NULL)
			va_shop_malformed(a, "shipment trackings");
		goto out;
	}
	for (i = 0; i < a->order.nfulfilments; i++)
		if (a->order.fulfilments[i].ntracking > 0)
			tracked = 1;
	if (va_order_set(&a->order.status,
	    status_of(a->order.vendor_status, tracked)) == -1)
		goto out;
	a->status = VA_SHOP_OK;
out:
	json_decref(j);
	va_http_resp_free(&resp);
	return 0;
}

const struct va_shop_backend va_shop_woo = {
	"woocommerce", woo_lookup, va_shop_note_retry_after, 10, 10
};
