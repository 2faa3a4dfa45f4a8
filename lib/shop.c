/*
 * shop.c - one store's order lookup: query checks, cache, circuit breaker,
 * rate limiter and HTTP with retries around a backend (see shop.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "ratelimit.h"
#include "shop.h"

#define CACHE_NS	"order"

static const struct va_shop_backend *const backends[] = {
	&va_shop_local, &va_shop_shopify, &va_shop_magento, &va_shop_woo,
	&va_shop_bigcommerce, NULL
};

const struct va_shop_backend *
va_shop_backend_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	if (strcmp(name, "woo") == 0)
		return &va_shop_woo;
	for (i = 0; backends[i] != NULL; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

int64_t
va_shop_now_ms(void)
{
	struct timespec ts;

	/*
	 * Rate limits and budgets are about real time even under
	 * VA_FIXED_CLOCK, which freezes va_mono_us().
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct va_shop *
va_shop_new(const char *name, const struct va_shop_backend *b)
{
	struct va_shop *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->name = strdup(name)) == NULL) {
		free(s);
		return NULL;
	}
	s->backend = b;
	s->rate = b->rate;
	s->burst = b->burst;
	s->connect_timeout_ms = 2000;
	s->timeout_ms = 3000;
	s->tries = 3;
	s->budget_ms = 8000;
	s->ttl_ms = 300000;
	s->stale_ms = 86400000;
	return s;
}

int
va_shop_open(struct va_shop *s, struct va_store *db)
{
	s->db = db;
	if (s->backend == &va_shop_local)
		return va_shop_local_init(db);
	if (va_cache_init(db) == -1 || va_breaker_init(db) == -1)
		return -1;
	if (s->http == NULL && (s->http = va_http_new()) == NULL)
		return -1;
	if (s->rl == NULL &&
	    (s->rl = va_ratelimit_new(s->rate, s->burst)) == NULL) {
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		return -1;
	}
	return 0;
}

void
va_shop_free(struct va_shop *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->url);
	free(s->api_version);
	free(s->store_code);
	free(s->token);
	free(s->key);
	free(s->secret);
	va_http_free(s->http);
	va_ratelimit_free(s->rl);
	free(s);
}

void
va_shop_answer_free(struct va_shop_answer *a)
{
	va_order_free(&a->order);
}

void
va_shop_fail(struct va_shop_answer *a, enum va_shop_status st,
    const char *reason, const char *fmt, ...)
{
	va_list ap;

	a->status = st;
	a->reason = reason;
	va_start(ap, fmt);
	vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
	va_end(ap);
}

void
va_shop_malformed(struct va_shop_answer *a, const char *what)
{
	va_shop_fail(a, VA_SHOP_UNAVAILABLE, "malformed",
	    "malformed response: %s", what);
	a->failure = 1;
}

/* Queries */

static int
copy_norm(char *out, const char *in, int (*keep)(int), int upper)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (!keep((unsigned char)*in))
			continue;
		if (n + 1 >= 128)
			return -1;
		out[n++] = upper ? (char)toupper((unsigned char)*in) :
		    (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int
num_char(int c)
{
	return isalnum(c);
}

static int
phone_char(int c)
{
	return isdigit(c);
}

static int
email_char(int c)
{
	return c > ' ' && c < 127;
}

const char *
va_shop_query_norm(struct va_shop_query *q, char *num, char *phone,
    char *email)
{
	const char *s;

	if (q->number != NULL && copy_norm(num, q->number, num_char, 1) == 0) {
		q->number = num;
		q->phone = q->email = NULL;
		return "number";
	}
	if (q->phone != NULL &&
	    copy_norm(phone, q->phone, phone_char, 0) == 0 &&
	    strlen(phone) >= 6 && strlen(phone) <= 15) {
		q->number = q->email = NULL;
		q->phone = phone;
		return "phone";
	}
	if (q->email != NULL &&
	    copy_norm(email, q->email, email_char, 0) == 0 &&
	    (s = strchr(email, '@')) != NULL && s != email && s[1] != '\0') {
		q->number = q->phone = NULL;
		q->email = email;
		return "email";
	}
	q->number = q->phone = q->email = NULL;
	return NULL;
}

/* HTTP */

int64_t
va_shop_retry_after(const struct va_http_resp *resp)
{
	const char *v;
	int64_t w = -1, x;

	if ((v = va_http_header(resp, "Retry-After")) != NULL &&
	    (x = va_http_retry_after_ms(v, va_clock_ms())) > w)
		w = x;
	if ((v = va_http_header(resp, "X-Retry-After")) != NULL &&
	    (x = va_http_retry_after_ms(v, va_clock_ms())) > w)
		w = x;
	if ((v = va_http_header(resp, "X-Rate-Limit-Time-Reset-Ms")) != NULL &&
	    (x = strtoll(v, NULL, 10)) > w)
		w = x;
	return w;
}

int
va_shop_get(struct va_shop *s, const char *path, const char *const *headers,
    const char *userpwd, struct va_http_resp *resp,
    struct va_shop_answer *a)
{
	struct va_http_req req;
	char url[4096];
	int64_t now, left, wait;
	int round, rc;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", s->url, path) >=
	    sizeof(url)) {
		memset(resp, 0, sizeof(*resp));
		va_shop_fail(a, VA_SHOP_INVALID, "client", "URL too long");
		return -1;
	}
	for (round = 0;; round++) {
		now = va_shop_now_ms();
		left = s->deadline - now;
		wait = va_ratelimit_acquire(s->rl, now);
		if (left <= 0 || wait >= left) {
			memset(resp, 0, sizeof(*resp));
			va_shop_fail(a, VA_SHOP_UNAVAILABLE, "rate_limited",
			    "rate limit wait of %lld ms does not fit the "
			    "budget", (long long)wait);
			return -1;
		}
		va_sleep_ms(wait);
		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.url = url;
		req.headers = headers;
		req.userpwd = userpwd;
		req.connect_timeout_ms = s->connect_timeout_ms;
		req.timeout_ms = s->timeout_ms;
		req.max_tries = s->tries;
		req.total_budget_ms = (long)(left - wait);
		req.backoff_base_ms = 100;
		req.backoff_max_ms = 2000;
		rc = va_http_do(s->http, &req, resp);
		a->requests += resp->tries;
		now = va_shop_now_ms();
		if (resp->status != 0 && s->backend->note != NULL)
			s->backend->note(s, resp, now);
		if (resp->outcome != VA_HTTP_RATE_LIMITED || round > 0 ||
		    s->no_resend)
			break;
		/* The vendor said when it takes requests again: wait once. */
		wait = va_shop_retry_after(resp);
		if (wait < 0 || wait >= s->deadline - now)
			break;
		va_log(VA_INFO, "shop_rate_wait",
		    "%s: rate limited, waiting %lld ms", s->name,
		    (long long)wait);
		va_ratelimit_note_429(s->rl, now, wait);
		va_http_resp_free(resp);
	}
	switch (resp->outcome) {
	case VA_HTTP_OK:
	case VA_HTTP_NOT_FOUND:
		return rc;
	case VA_HTTP_AUTH:
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "auth",
		    "HTTP %ld: credentials refused", resp->status);
		break;
	case VA_HTTP_CLIENT:
		va_shop_fail(a, VA_SHOP_INVALID, "client",
		    "HTTP %ld: request refused", resp->status);
		break;
	case VA_HTTP_RATE_LIMITED:
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "rate_limited",
		    "HTTP 429 after %d tries", resp->tries);
		a->failure = 1;
		break;
	case VA_HTTP_SERVER:
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "server",
		    "HTTP %ld after %d tries", resp->status, resp->tries);
		a->failure = 1;
		break;
	case VA_HTTP_TIMEOUT:
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "timeout",
		    "timed out after %d tries", resp->tries);
		a->failure = 1;
		break;
	case VA_HTTP_UNREACHABLE:
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "unreachable",
		    "unreachable after %d tries", resp->tries);
		a->failure = 1;
		break;
	case VA_HTTP_PROTOCOL:
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "protocol",
		    "protocol error (HTTP %ld)", resp->status);
		a->failure = 1;
		break;
	}
	return rc;
}

json_t *
va_shop_json(const struct va_http_resp *resp, struct va_shop_answer *a)
{
	json_error_t err;
	json_t *j;

	j = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, &err);
	if (j == NULL)
		va_shop_malformed(a, "body is not JSON");
	return j;
}

/* JSON helpers */

const char *
va_shop_jstr(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);

	return json_is_string(v) && json_string_length(v) > 0 ?
	    json_string_value(v) : NULL;
}

int
va_shop_jint(const json_t *j, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(j, key);
	const char *s;
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		*out = (int64_t)(json_real_value(v) + 0.5);
		return 0;
	}
	if (json_is_string(v)) {
		s = json_string_value(v);
		*out = strtoll(s, &end, 10);
		return end != s && (*end == '\0' || *end == '.') ? 0 : -1;
	}
	return -1;
}

int
va_shop_jdate(const json_t *j, const char *key, char **dst)
{
	const char *s = va_shop_jstr(j, key);
	char iso[32];

	if (s == NULL || va_order_date(s, iso, sizeof(iso)) == -1)
		return 0;
	return va_order_set(dst, iso);
}

const char *
va_shop_carrier_name(const char *code)
{
	static const char *const names[][2] = {
		{ "ups", "UPS" }, { "fedex", "FedEx" }, { "usps", "USPS" },
		{ "dhl", "DHL" }, { "dhlexpress", "DHL Express" },
		{ "canada_post", "Canada Post" },
		{ "royal_mail", "Royal Mail" },
		{ "auspost", "Australia Post" }, { NULL, NULL }
	};
	size_t i;

	for (i = 0; code != NULL && names[i][0] != NULL; i++)
		if (strcasecmp(code, names[i][0]) == 0)
			return names[i][1];
	return code;
}

/* The lookup */

static void
cache_key(char *out, size_t cap, const struct va_shop *s, const char *kind,
    const struct va_shop_query *q)
{
	snprintf(out, cap, "%s:%s:%s", s->name, kind,
	    q->number ? q->number : q->phone ? q->phone : q->email);
}

/* Fill a from cached JSON text; 0 or -1 when it does not parse. */
static int
from_cache(struct va_shop_answer *a, const char *text)
{
	const char *why;
	json_t *j;
	int rc;

	if ((j = json_loads(text, 0, NULL)) == NULL)
		return -1;
	va_order_free(&a->order);
	rc = va_order_from_json(&a->order, j, &why);
	json_decref(j);
	return rc;
}

static void
cache_store(struct va_shop *s, const char *key, const struct va_order *o)
{
	json_t *j;
	char *text;

	if ((j = va_order_to_json(o)) == NULL)
		return;
	if ((text = json_dumps(j, JSON_COMPACT)) != NULL) {
		if (va_cache_put(s->db, CACHE_NS, key, text,
		    strlen(text)) == -1)
			va_log(VA_WARN, "cache_put", "%s: cannot cache %s",
			    s->name, key);
		free(text);
	}
	json_decref(j);
}

int
va_shop_lookup(struct va_shop *s, const struct va_shop_query *query,
    struct va_shop_answer *a)
{
	struct va_shop_query q = *query;
	char num[128], phone[128], email[128], key[512], bname[256];
	const char *kind;
	char *stale = NULL;
	void *val = NULL;
	size_t len;
	int64_t age = 0;
	int allowed, got;

	memset(a, 0, sizeof(*a));
	va_order_init(&a->order);
	if ((kind = va_shop_query_norm(&q, num, phone, email)) == NULL) {
		va_shop_fail(a, VA_SHOP_INVALID, "no_query",
		    "no order number, phone or email");
		return 0;
	}
	if (s->backend == &va_shop_local) {
		s->backend->lookup(s, &q, a);
		goto done;
	}
	cache_key(key, sizeof(key), s, kind, &q);
	if (s->ttl_ms > 0 || s->stale_ms > 0) {
		got = va_cache_get(s->db, CACHE_NS, key, &val, &len, &age);
		if (got == 1 && age < s->ttl_ms && from_cache(a, val) == 0) {
			a->cached = 1;
			free(val);
			goto done;
		}
		if (got == 1 && age < s->stale_ms)
			stale = val;
		else
			free(val);
	}
	snprintf(bname, sizeof(bname), "order:%s", s->name);
	if ((allowed = va_breaker_allow(s->db, bname, &s->breaker)) == 0) {
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "breaker_open",
		    "circuit breaker open");
		goto fallback;
	}
	s->deadline = va_shop_now_ms() + s->budget_ms;
	s->backend->lookup(s, &q, a);
	if (a->status == VA_SHOP_OK) {
		if (va_order_set(&a->order.store, s->name) == -1)
			return -1;
		if (s->ttl_ms > 0 || s->stale_ms > 0)
			cache_store(s, key, &a->order);
	}
	if (allowed == 1) {
		if (a->failure)
			va_breaker_failure(s->db, bname, &s->breaker);
		else
			va_breaker_success(s->db, bname);
	}
fallback:
	if (a->status == VA_SHOP_UNAVAILABLE && stale != NULL &&
	    from_cache(a, stale) == 0) {
		va_log(VA_WARN, "shop_stale", "%s: %s (%s); answering from a "
		    "cache entry %lld s old", s->name, a->reason, a->detail,
		    (long long)(age / 1000));
		a->status = VA_SHOP_OK;
		a->cached = 1;
	}
	free(stale);
done:
	if (a->status == VA_SHOP_OK && a->order.store == NULL &&
	    va_order_set(&a->order.store, s->name) == -1)
		return -1;
	if (a->status != VA_SHOP_OK)
		va_order_free(&a->order);
	return 0;
}
