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
#include "fetch.h"
#include "log.h"
#include "ratelimit.h"
#include "shop.h"

#define CACHE_NS	"order"
#define BREAKER_MEMO_MS	100	/* a clean breaker is not read for */

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

/* Set a from resp's outcome as va_shop_get() does; returns rc. */
static int
get_outcome(const struct va_http_resp *resp, struct va_shop_answer *a,
    int rc)
{
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

static int get_async(struct va_shop *, const char *url,
    const char *const *headers, const char *userpwd,
    struct va_http_resp *, struct va_shop_answer *);

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
	if (s->cur != NULL)
		return get_async(s, url, headers, userpwd, resp, a);
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
		a->backend_ms += resp->elapsed_ms;
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
	return get_outcome(resp, a, rc);
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

json_t *
va_shop_part_json(const struct va_http_resp *resp, struct va_shop_answer *a)
{
	if (a->reason != NULL || resp->outcome == VA_HTTP_NOT_FOUND)
		return NULL;
	return va_shop_json(resp, a);
}

json_t *
va_shop_order_json(const struct va_http_resp *resp, struct va_shop_answer *a)
{
	if (a->reason == NULL && resp->outcome == VA_HTTP_NOT_FOUND) {
		va_shop_fail(a, VA_SHOP_NOT_FOUND, "not_found", "HTTP 404");
		return NULL;
	}
	return va_shop_part_json(resp, a);
}

const json_t *
va_shop_first_order(const json_t *j, const char *list,
    struct va_shop_answer *a)
{
	const json_t *o;
	char what[64];

	if (list != NULL) {
		j = json_object_get(j, list);
		if (!json_is_array(j)) {
			snprintf(what, sizeof(what), "no %s array", list);
			va_shop_malformed(a, what);
			return NULL;
		}
	}
	if (!json_is_array(j))
		return j;
	if ((o = json_array_get(j, 0)) == NULL)
		va_shop_fail(a, VA_SHOP_NOT_FOUND, "not_found", "no order");
	return o;
}

void
va_shop_note_retry_after(struct va_shop *s, const struct va_http_resp *r,
    int64_t now)
{
	const char *v;

	if (r->status != 429)
		return;
	v = va_http_header(r, "Retry-After");
	va_ratelimit_note_429(s->rl, now,
	    v != NULL ? va_http_retry_after_ms(v, va_clock_ms()) : -1);
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

int
va_shop_add_item(struct va_order *o, const json_t *v, const char *cur,
    const char *title_key, const char *quantity_key, const char *price_key)
{
	struct va_order_item *it;
	int bad = 0;

	if ((it = va_order_add_item(o)) == NULL)
		return -1;
	bad |= va_order_set(&it->title, va_shop_jstr(v, title_key));
	bad |= va_order_set(&it->sku, va_shop_jstr(v, "sku"));
	if (va_shop_jint(v, quantity_key, &it->quantity) == -1)
		it->quantity = 1;
	if (va_money_json(json_object_get(v, price_key), cur,
	    &it->price) == -1)
		it->price = -1;
	return bad ? 1 : 0;
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

/* One lookup's state around the backend. */
struct lookup {
	struct va_shop_query q;
	char	 num[128], phone[128], email[128], key[512], bname[256];
	char	*stale;		/* a cache entry to fall back on */
	int64_t	 age;
	int	 asked;		/* the backend was asked */
	int	 allowed;	/* the breaker's word: 1 report to it */
};

static void runner_txn(struct va_shop_runner *);
static void runner_commit(struct va_shop_runner *);

/*
 * May a request go to s now? As va_breaker_allow(), without a
 * transaction when the breaker is closed (the common case), so a batch
 * transaction stays open.
 */
static int
breaker_ask(struct va_shop *s, struct va_shop_runner *r, const char *name)
{
	int failures;

	/* Clean a moment ago: not read per lookup under load. */
	if (va_shop_now_ms() < s->breaker_clean_until)
		return 1;
	if (va_breaker_peek(s->db, name, &s->breaker, &failures) ==
	    VA_BREAKER_CLOSED) {
		if (failures == 0)
			s->breaker_clean_until = va_shop_now_ms() +
			    BREAKER_MEMO_MS;
		return 1;
	}
	runner_commit(r);
	return va_breaker_allow(s->db, name, &s->breaker);
}

/*
 * Before the backend: checks, local store, cache, breaker. 1 when a holds
 * the answer already (lookup_end() still to be called), 0 when the backend
 * is to be asked.
 */
static int
lookup_begin(struct va_shop *s, struct va_shop_runner *r, struct lookup *l,
    const struct va_shop_query *query, struct va_shop_answer *a)
{
	const char *kind;
	void *val = NULL;
	size_t len;
	int got;

	memset(a, 0, sizeof(*a));
	va_order_init(&a->order);
	memset(l, 0, sizeof(*l));
	l->q = *query;
	if ((kind = va_shop_query_norm(&l->q, l->num, l->phone,
	    l->email)) == NULL) {
		va_shop_fail(a, VA_SHOP_INVALID, "no_query",
		    "no order number, phone or email");
		return 1;
	}
	if (s->backend == &va_shop_local) {
		s->backend->lookup(s, &l->q, a);
		return 1;
	}
	cache_key(l->key, sizeof(l->key), s, kind, &l->q);
	if (s->ttl_ms > 0 || s->stale_ms > 0) {
		got = va_cache_get(s->db, CACHE_NS, l->key, &val, &len,
		    &l->age);
		if (got == 1 && l->age < s->ttl_ms && from_cache(a, val) == 0) {
			a->cached = 1;
			free(val);
			return 1;
		}
		if (got == 1 && l->age < s->stale_ms)
			l->stale = val;
		else
			free(val);
	}
	snprintf(l->bname, sizeof(l->bname), "order:%s", s->name);
	if ((l->allowed = breaker_ask(s, r, l->bname)) == 0) {
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "breaker_open",
		    "circuit breaker open");
		return 1;
	}
	l->asked = 1;
	return 0;
}

/* After the backend: cache, breaker, stale fallback. 0 or -1 (memory). */
static int
lookup_end(struct va_shop *s, struct va_shop_runner *r, struct lookup *l,
    struct va_shop_answer *a)
{
	int rc = 0;

	if (l->asked && a->status == VA_SHOP_OK) {
		if (va_order_set(&a->order.store, s->name) == -1)
			rc = -1;
		else if (s->ttl_ms > 0 || s->stale_ms > 0) {
			runner_txn(r);
			cache_store(s, l->key, &a->order);
		}
	}
	if (l->asked && l->allowed == 1) {
		if (a->failure) {
			s->breaker_clean_until = 0;
			/* It may open the breaker: a transaction of its own. */
			runner_commit(r);
			va_breaker_failure(s->db, l->bname, &s->breaker);
		} else if (va_shop_now_ms() >= s->breaker_clean_until) {
			/* Known clean otherwise: no count to reset. */
			runner_txn(r);
			va_breaker_success(s->db, l->bname);
			s->breaker_clean_until = va_shop_now_ms() +
			    BREAKER_MEMO_MS;
		}
	}
	if (a->status == VA_SHOP_UNAVAILABLE && l->stale != NULL &&
	    from_cache(a, l->stale) == 0) {
		va_log(VA_WARN, "shop_stale", "%s: %s (%s); answering from a "
		    "cache entry %lld s old", s->name, a->reason, a->detail,
		    (long long)(l->age / 1000));
		a->status = VA_SHOP_OK;
		a->cached = 1;
	}
	free(l->stale);
	l->stale = NULL;
	if (a->status == VA_SHOP_OK && a->order.store == NULL &&
	    va_order_set(&a->order.store, s->name) == -1)
		rc = -1;
	if (a->status != VA_SHOP_OK)
		va_order_free(&a->order);
	return rc;
}

int
va_shop_lookup(struct va_shop *s, const struct va_shop_query *query,
    struct va_shop_answer *a)
{
	struct lookup l;

	if (lookup_begin(s, NULL, &l, query, a) == 0) {
		s->deadline = va_shop_now_ms() + s->budget_ms;
		s->backend->lookup(s, &l.q, a);
	}
	return lookup_end(s, NULL, &l, a);
}

/* Many lookups at once */

#define MAX_429		50	/* 429s a request is retried after */

struct va_shop_job {
	struct va_shop_runner *r;
	struct va_shop *s;
	struct lookup l;
	struct va_shop_answer a;
	int64_t	 deadline;	/* real monotonic ms */
	int	 max_tries;
	struct va_http_resp *resps;	/* responses in hand, in order */
	int	 nresp;
	int	 step;		/* va_shop_get() calls this replay */
	int	 tries;		/* of the request being made */
	int	 n429;
	int	 reserved;	/* the limiter's turn is taken */
	int	 requests;
	long	 backend_ms;
	int64_t	 due;
	va_shop_cb cb;
	void	*arg;
	struct va_shop_job *next;	/* in the timer list */
	struct va_shop_job *prev_all, *next_all;
};

struct va_shop_runner {
	struct va_fetch *f;
	struct va_store *db;
	struct va_shop_job *timers;
	struct va_shop_job *all;
	int	 njobs;
	int	 batch, in_txn;
};

/* The reason of an answer whose request is on its way. */
static const char reason_pending[] = "pending";

static void replay(struct va_shop_job *);

static void
runner_txn(struct va_shop_runner *r)
{
	if (r != NULL && r->batch && !r->in_txn && va_store_begin(r->db) == 0)
		r->in_txn = 1;
}

static void
runner_commit(struct va_shop_runner *r)
{
	if (r != NULL && r->in_txn) {
		r->in_txn = 0;
		va_store_commit(r->db);
	}
}

void
va_shop_batch(struct va_shop_runner *r, int on)
{
	runner_commit(r);
	r->batch = on;
}

void
va_shop_txn(struct va_shop_runner *r)
{
	runner_txn(r);
}

void
va_shop_commit(struct va_shop_runner *r)
{
	runner_commit(r);
}

struct va_shop_runner *
va_shop_runner_new(struct va_store *db)
{
	struct va_shop_runner *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		return NULL;
	}
	r->db = db;
	if ((r->f = va_fetch_new(0)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
job_free(struct va_shop_job *j)
{
	int i;

	if (j->prev_all != NULL)
		j->prev_all->next_all = j->next_all;
	else
		j->r->all = j->next_all;
	if (j->next_all != NULL)
		j->next_all->prev_all = j->prev_all;
	j->r->njobs--;
	for (i = 0; i < j->nresp; i++)
		va_http_resp_free(&j->resps[i]);
	free(j->resps);
	free(j->l.stale);
	va_shop_answer_free(&j->a);
	free(j);
}

void
va_shop_runner_free(struct va_shop_runner *r)
{
	if (r == NULL)
		return;
	runner_commit(r);
	/* Transfers first: their callbacks point at jobs. */
	va_fetch_free(r->f);
	while (r->all != NULL)
		job_free(r->all);
	free(r);
}

int
va_shop_pending(const struct va_shop_runner *r)
{
	return r->njobs;
}

static void
timer_add(struct va_shop_job *j, int64_t delay_ms)
{
	struct va_shop_job **p;

	j->due = va_shop_now_ms() + delay_ms;
	for (p = &j->r->timers; *p != NULL && (*p)->due <= j->due;
	    p = &(*p)->next)
		;
	j->next = *p;
	*p = j;
}

static void
timers_run(struct va_shop_runner *r)
{
	struct va_shop_job *j;
	int64_t now = va_shop_now_ms();

	while ((j = r->timers) != NULL && j->due <= now) {
		r->timers = j->next;
		j->next = NULL;
		replay(j);
	}
}

/* The job is done: cache, breaker, then the caller's callback. */
static void
job_finish(struct va_shop_job *j)
{
	j->a.requests = j->requests;
	j->a.backend_ms = j->backend_ms;
	if (lookup_end(j->s, j->r, &j->l, &j->a) == -1)
		va_shop_fail(&j->a, VA_SHOP_UNAVAILABLE, "store",
		    "out of memory");
	j->cb(j->arg, j->s, &j->a);
	job_free(j);
}

/* Run the backend again over the responses in hand. */
static void
replay(struct va_shop_job *j)
{
	struct va_shop *s = j->s;

	va_shop_answer_free(&j->a);
	memset(&j->a, 0, sizeof(j->a));
	va_order_init(&j->a.order);
	j->step = 0;
	s->cur = j;
	s->deadline = j->deadline;
	s->backend->lookup(s, &j->l.q, &j->a);
	s->cur = NULL;
	if (j->a.reason != reason_pending)
		job_finish(j);
}

static int
pending(struct va_http_resp *resp, struct va_shop_answer *a)
{
	memset(resp, 0, sizeof(*resp));
	a->status = VA_SHOP_UNAVAILABLE;
	a->reason = reason_pending;
	a->failure = 0;
	snprintf(a->detail, sizeof(a->detail), "waiting for a response");
	return -1;
}

static int
resp_dup(struct va_http_resp *dst, const struct va_http_resp *src)
{
	size_t i;

	*dst = *src;
	dst->body = NULL;
	dst->hdrs = NULL;
	dst->nhdrs = 0;
	if ((dst->body = malloc(src->body_len + 1)) == NULL)
		goto fail;
	if (src->body != NULL)
		memcpy(dst->body, src->body, src->body_len);
	dst->body[src->body_len] = '\0';
	if (src->nhdrs > 0 &&
	    (dst->hdrs = calloc(src->nhdrs, sizeof(*dst->hdrs))) == NULL)
		goto fail;
	for (i = 0; i < src->nhdrs; i++) {
		dst->nhdrs++;
		if ((dst->hdrs[i].name = strdup(src->hdrs[i].name)) == NULL ||
		    (dst->hdrs[i].value = strdup(src->hdrs[i].value)) == NULL)
			goto fail;
	}
	return 0;
fail:
	va_http_resp_free(dst);
	memset(dst, 0, sizeof(*dst));
	return -1;
}

static long
backoff_ms(int tries)
{
	long cap = 100;

	while (--tries > 0 && cap < 2000)
		cap *= 2;
	if (cap > 2000)
		cap = 2000;
	return (long)(va_rand_unit() * (double)cap);
}

/* A response for the job's current request. */
static void
on_resp(void *arg, struct va_http_resp *resp)
{
	struct va_shop_job *j = arg;
	struct va_shop *s = j->s;
	struct va_http_resp *p;
	enum va_http_outcome o = resp->outcome;
	int64_t now = va_shop_now_ms(), ra;
	long delay;
	int again = 0;

	j->tries++;
	j->requests++;
	j->backend_ms += resp->elapsed_ms;
	if (resp->status != 0 && s->backend->note != NULL)
		s->backend->note(s, resp, now);
	delay = backoff_ms(j->tries);
	if (o == VA_HTTP_RATE_LIMITED) {
		/* Every lookup of the store holds back, not just this one. */
		ra = va_shop_retry_after(resp);
		va_ratelimit_note_429(s->rl, now, ra);
		if (ra > delay)
			delay = (long)ra;
		j->tries--;
		again = ++j->n429 <= MAX_429;
	} else if (o == VA_HTTP_SERVER || o == VA_HTTP_TIMEOUT ||
	    o == VA_HTTP_UNREACHABLE)
		again = j->tries < j->max_tries;
	if (again && now + delay < j->deadline) {
		va_log(VA_INFO, o == VA_HTTP_RATE_LIMITED ? "shop_rate_wait" :
		    "http_retry", "%s: %s, retrying in %ld ms", s->name,
		    va_http_outcome_name(o), delay);
		timer_add(j, delay);
		return;
	}
	if ((p = realloc(j->resps, (size_t)(j->nresp + 1) *
	    sizeof(*p))) == NULL) {
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		va_shop_fail(&j->a, VA_SHOP_UNAVAILABLE, "store",
		    "out of memory");
		job_finish(j);
		return;
	}
	j->resps = p;
	/* Keep the response: fetch.c frees what is left in resp. */
	p[j->nresp] = *resp;
	p[j->nresp].tries = j->tries + j->n429;
	resp->body = NULL;
	resp->hdrs = NULL;
	resp->nhdrs = 0;
	j->nresp++;
	j->tries = j->n429 = 0;
	replay(j);
}

/* va_shop_get() within a replay. */
static int
get_async(struct va_shop *s, const char *url, const char *const *headers,
    const char *userpwd, struct va_http_resp *resp, struct va_shop_answer *a)
{
	struct va_shop_job *j = s->cur;
	struct va_http_req req;
	int64_t now, left, wait;
	int idx = j->step++;

	if (idx < j->nresp) {
		if (resp_dup(resp, &j->resps[idx]) == -1) {
			va_shop_fail(a, VA_SHOP_UNAVAILABLE, "store",
			    "out of memory");
			return -1;
		}
		return get_outcome(resp, a, 0);
	}
	now = va_shop_now_ms();
	left = j->deadline - now;
	if (j->l.allowed == 1 && now >= s->breaker_clean_until &&
	    va_breaker_state(s->db, j->l.bname, &s->breaker) ==
	    VA_BREAKER_OPEN) {
		/* Opened while this one waited: fail fast, report nothing. */
		j->l.allowed = 0;
		memset(resp, 0, sizeof(*resp));
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "breaker_open",
		    "circuit breaker open");
		return -1;
	}
	if (!j->reserved) {
		wait = va_ratelimit_acquire(s->rl, now);
		if (left <= 0 || wait >= left) {
			memset(resp, 0, sizeof(*resp));
			va_shop_fail(a, VA_SHOP_UNAVAILABLE, "rate_limited",
			    "rate limit wait of %lld ms does not fit the "
			    "budget", (long long)wait);
			return -1;
		}
		if (wait > 0) {
			j->reserved = 1;
			timer_add(j, wait);
			return pending(resp, a);
		}
	}
	j->reserved = 0;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.userpwd = userpwd;
	req.connect_timeout_ms = s->connect_timeout_ms < left ?
	    s->connect_timeout_ms : (long)left;
	req.timeout_ms = s->timeout_ms < left ? s->timeout_ms : (long)left;
	if (va_fetch_start(j->r->f, &req, on_resp, j) == -1) {
		memset(resp, 0, sizeof(*resp));
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "client",
		    "cannot set up the request");
		return -1;
	}
	return pending(resp, a);
}

int
va_shop_start(struct va_shop_runner *r, struct va_shop *s,
    const struct va_shop_query *q, va_shop_cb cb, void *arg)
{
	struct va_shop_job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->r = r;
	j->s = s;
	j->cb = cb;
	j->arg = arg;
	j->max_tries = s->tries > 0 ? s->tries : 1;
	j->next_all = r->all;
	if (r->all != NULL)
		r->all->prev_all = j;
	r->all = j;
	r->njobs++;
	if (lookup_begin(s, r, &j->l, q, &j->a) == 1) {
		job_finish(j);
		return 0;
	}
	j->deadline = va_shop_now_ms() + s->budget_ms;
	replay(j);
	return 0;
}

int
va_shop_run(struct va_shop_runner *r, int fd, long timeout_ms)
{
	int64_t now;
	int rc;

	timers_run(r);
	runner_commit(r);
	if (r->timers != NULL) {
		now = va_shop_now_ms();
		if (timeout_ms < 0 || r->timers->due - now < timeout_ms)
			timeout_ms = r->timers->due > now ?
			    (long)(r->timers->due - now) : 0;
	}
	if (timeout_ms < 0)
		timeout_ms = 1000;
	rc = va_fetch_wait(r->f, fd, timeout_ms);
	timers_run(r);
	runner_commit(r);
	return rc;
}
