/*
 * track.c - shipment lookups: caches, tokens, rate limits, retries and the
 * outbox over the carrier adapters (see track.h).
 *
 * A lookup is a job that moves through: token (OAuth carriers), rate
 * limit, request, answer. Jobs waiting for a token queue on the carrier's
 * token fetch, so a hundred lookups cost one token request; jobs waiting
 * for the rate limit or a retry sit in a timer list ordered by due time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cache.h"
#include "clock.h"
#include "fetch.h"
#include "hash.h"
#include "log.h"
#include "outbox.h"
#include "ratelimit.h"
#include "track.h"

#define NS_SHIP		"track"
#define NS_TOKEN	"track_token"
#define MEM_BUCKETS	1024
#define MEM_MAX		20000
#define TOKEN_MARGIN_MS	60000	/* renew a token this long before expiry */
#define BREAKER_MEMO_MS	100	/* a clean breaker is not read for */

struct mem {			/* the in-process cache */
	char	*key;		/* "carrier:number" */
	char	*json;		/* the shipment */
	int64_t	 stored_at;	/* va_clock_ms() */
	int	 refreshing;
	struct mem *next;
};

struct job;

struct token {
	char	*token;
	int64_t	 expires_at;	/* va_clock_ms() */
	int	 fetching;
	struct job *waiters;
};

struct job {
	struct va_tracker *t;
	const struct va_carrier_api *api;
	char	 number[64];
	char	 key[80];
	va_track_cb cb;		/* NULL: a background refresh */
	void	*arg;
	int	 tries;
	int	 renewed;	/* the token was renewed after a 401 */
	int	 allowed;	/* let through by the breaker */
	int	 ambiguous;
	char	*token;		/* the token this try used */
	long	 backend_ms;	/* in requests, as curl timed them */
	int64_t	 deadline;	/* monotonic ms */
	int64_t	 due;
	void	(*on_due)(struct job *);
	struct job *next;	/* in the timer list or a token's waiters */
};

struct va_tracker {
	struct va_store *st;
	struct va_track_conf c;
	struct va_fetch *f;
	struct va_ratelimit *rl[VA_NCARRIERS];
	struct token tok[VA_NCARRIERS];
	struct mem *mem[MEM_BUCKETS];
	long	 nmem;
	struct job *timers;
	int	 njobs;		/* all jobs alive */
	int	 nwaiting;	/* jobs with a callback */
	int64_t	 bk_clean[VA_NCARRIERS];	/* breaker clean until */
	unsigned long seq;	/* transaction ids */
	int	 batch, in_txn;
};

static void job_start(struct job *);
static void send_now(struct job *);

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
va_track_status_name(enum va_track_status s)
{
	static const char *const names[] = { "ok", "not_found", "invalid",
	    "unavailable" };

	return (unsigned)s < 4 ? names[s] : "unavailable";
}

void
va_track_batch(struct va_tracker *t, int on)
{
	va_track_commit(t);
	t->batch = on;
}

void
va_track_txn(struct va_tracker *t)
{
	if (t->batch && !t->in_txn && t->st != NULL &&
	    va_store_begin(t->st) == 0)
		t->in_txn = 1;
}

void
va_track_commit(struct va_tracker *t)
{
	if (t->in_txn) {
		t->in_txn = 0;
		va_store_commit(t->st);
	}
}

/* In-process cache. */

static unsigned
hash(const char *s)
{
	return va_hash_str(s) % MEM_BUCKETS;
}

static struct mem *
mem_get(struct va_tracker *t, const char *key)
{
	struct mem *m;

	for (m = t->mem[hash(key)]; m != NULL; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

static struct mem *
mem_put(struct va_tracker *t, const char *key, const char *json,
    int64_t stored_at)
{
	struct mem *m;
	char *j;

	if ((m = mem_get(t, key)) != NULL) {
		if ((j = strdup(json)) == NULL)
			return m;
		free(m->json);
		m->json = j;
		m->stored_at = stored_at;
		return m;
	}
	if (t->nmem >= MEM_MAX || (m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->key = strdup(key)) == NULL || (m->json = strdup(json)) == NULL) {
		free(m->key);
		free(m);
		return NULL;
	}
	m->stored_at = stored_at;
	m->next = t->mem[hash(key)];
	t->mem[hash(key)] = m;
	t->nmem++;
	return m;
}

/* Tokens: memory first, then the store, shared by every process. */

static const char *
token_get(struct va_tracker *t, enum va_carrier c)
{
	struct token *k = &t->tok[c];
	void *val = NULL;
	size_t len;
	int64_t age;
	json_t *o;
	const char *s;

	if (k->token != NULL && k->expires_at - TOKEN_MARGIN_MS > va_clock_ms())
		return k->token;
	free(k->token);
	k->token = NULL;
	if (t->st == NULL || va_cache_get(t->st, NS_TOKEN, va_carrier_name(c),
	    &val, &len, &age) != 1)
		return NULL;
	o = json_loads(val, 0, NULL);
	free(val);
	s = json_string_value(json_object_get(o, "token"));
	k->expires_at = json_integer_value(json_object_get(o, "expires_at"));
	if (s != NULL && k->expires_at - TOKEN_MARGIN_MS > va_clock_ms())
		k->token = strdup(s);
	json_decref(o);
	return k->token;
}

static void
token_set(struct va_tracker *t, enum va_carrier c, const char *token,
    int64_t expires_ms)
{
	struct token *k = &t->tok[c];
	json_t *o;
	char *s;

	free(k->token);
	k->token = strdup(token);
	k->expires_at = va_clock_ms() + expires_ms;
	if (t->st == NULL)
		return;
	va_track_txn(t);
	o = json_pack("{s:s, s:I}", "token", token, "expires_at",
	    (json_int_t)k->expires_at);
	if (o != NULL && (s = json_dumps(o, JSON_COMPACT)) != NULL) {
		va_cache_put(t->st, NS_TOKEN, va_carrier_name(c), s, strlen(s));
		free(s);
	}
	json_decref(o);
}

/* Forget token (a 401 said it is no good) unless it was renewed since. */
static void
token_drop(struct va_tracker *t, enum va_carrier c, const char *used)
{
	struct token *k = &t->tok[c];

	if (k->token != NULL && used != NULL && strcmp(k->token, used) != 0)
		return;
	free(k->token);
	k->token = NULL;
	k->expires_at = 0;
	if (t->st != NULL) {
		va_track_txn(t);
		va_cache_del(t->st, NS_TOKEN, va_carrier_name(c));
	}
}

/* Timers. */

static void
timer_add(struct job *j, int64_t delay_ms, void (*fn)(struct job *))
{
	struct job **p;

	j->due = mono_ms() + delay_ms;
	j->on_due = fn;
	for (p = &j->t->timers; *p != NULL && (*p)->due <= j->due;
	    p = &(*p)->next)
		;
	j->next = *p;
	*p = j;
}

static void
timers_run(struct va_tracker *t)
{
	struct job *j;
	int64_t now = mono_ms();

	while ((j = t->timers) != NULL && j->due <= now) {
		t->timers = j->next;
		j->next = NULL;
		j->on_due(j);
	}
}

/* Finishing a job. */

static void
job_free(struct job *j)
{
	if (j->cb != NULL)
		j->t->nwaiting--;
	j->t->njobs--;
	free(j->token);
	free(j);
}

static void
enqueue(struct va_tracker *t, const char *carrier, const char *number,
    const char *key)
{
	json_t *o;
	char *s;

	if (t->st == NULL)
		return;
	va_track_txn(t);
	o = json_pack("{s:s, s:s}", "number", number, "carrier", carrier);
	if (o != NULL && (s = json_dumps(o, JSON_COMPACT)) != NULL) {
		if (va_outbox_put(t->st, "track", key, s, NULL) == 1)
			va_log(VA_INFO, "track_queued",
			    "%s %s: refresh queued in the outbox", carrier,
			    number);
		free(s);
	}
	json_decref(o);
}

/* Breakers */

static void
breaker_name(const struct va_carrier_api *api, char *buf, size_t cap)
{
	snprintf(buf, cap, "track:%s", api->name);
}

/*
 * May a request go to api's carrier? As va_breaker_allow(), without a
 * transaction while the breaker is closed, so a batch stays open.
 */
static int
breaker_allow(struct va_tracker *t, const struct va_carrier_api *api)
{
	char name[64];
	int failures;

	if (t->st == NULL)
		return -1;
	/* Clean a moment ago: not read per lookup under load. */
	if (mono_ms() < t->bk_clean[api->carrier])
		return 1;
	breaker_name(api, name, sizeof(name));
	if (va_breaker_peek(t->st, name, &t->c.breaker, &failures) ==
	    VA_BREAKER_CLOSED) {
		if (failures == 0)
			t->bk_clean[api->carrier] = mono_ms() +
			    BREAKER_MEMO_MS;
		return 1;
	}
	va_track_commit(t);
	return va_breaker_allow(t->st, name, &t->c.breaker);
}

/* Is the carrier's breaker open now (a queued request fails fast)? */
static int
breaker_open(struct va_tracker *t, const struct va_carrier_api *api)
{
	char name[64];

	if (t->st == NULL || mono_ms() < t->bk_clean[api->carrier])
		return 0;
	breaker_name(api, name, sizeof(name));
	return va_breaker_state(t->st, name, &t->c.breaker) ==
	    VA_BREAKER_OPEN;
}

/* Tell the breaker how a request it let through went. */
static void
breaker_report(struct job *j, int failure)
{
	struct va_tracker *t = j->t;
	char name[64];

	if (j->allowed != 1)
		return;
	j->allowed = 0;
	breaker_name(j->api, name, sizeof(name));
	if (failure) {
		t->bk_clean[j->api->carrier] = 0;
		/* It may open the breaker: a transaction of its own. */
		va_track_commit(t);
		va_breaker_failure(t->st, name, &t->c.breaker);
	} else if (mono_ms() >= t->bk_clean[j->api->carrier]) {
		/* Known clean otherwise: no count to reset. */
		va_track_txn(t);
		va_breaker_success(t->st, name);
		t->bk_clean[j->api->carrier] = mono_ms() + BREAKER_MEMO_MS;
	}
}

static void
finish(struct job *j, enum va_track_status status,
    const struct va_shipment *ship, const char *why, int queue)
{
	struct va_track_answer a;
	struct mem *m;

	breaker_report(j, status == VA_TRACK_UNAVAILABLE && why != NULL &&
	    strcmp(why, "auth") != 0 && strcmp(why, "unconfigured") != 0 &&
	    strcmp(why, "breaker_open") != 0);
	if ((m = mem_get(j->t, j->key)) != NULL)
		m->refreshing = 0;
	memset(&a, 0, sizeof(a));
	a.status = status;
	if (ship != NULL)
		a.ship = *ship;
	a.number = j->number;
	a.carrier = j->api->name;
	a.why = why;
	a.ambiguous = j->ambiguous;
	a.backend_ms = j->backend_ms;
	if (queue) {
		enqueue(j->t, j->api->name, j->number, j->key);
		a.queued = 1;
	}
	if (j->cb != NULL)
		j->cb(j->arg, &a);
	job_free(j);
}

/* A try failed: try again after a backoff if the budget allows. */
static void
failed(struct job *j, enum va_http_outcome o, long retry_after_ms)
{
	const struct va_track_conf *c = &j->t->c;
	long cap = c->backoff_base_ms, delay;
	int i, retry;

	retry = o == VA_HTTP_RATE_LIMITED || o == VA_HTTP_SERVER ||
	    o == VA_HTTP_TIMEOUT || o == VA_HTTP_UNREACHABLE;
	for (i = 1; i < j->tries && cap < c->backoff_max_ms; i++)
		cap *= 2;
	if (cap > c->backoff_max_ms)
		cap = c->backoff_max_ms;
	delay = (long)(va_rand_unit() * (double)cap);
	if (retry_after_ms > delay)
		delay = retry_after_ms;
	if (retry && j->tries < c->max_tries &&
	    mono_ms() + delay < j->deadline) {
		va_log(VA_INFO, "track_retry", "%s %s: %s, try %d of %d, "
		    "retrying in %ld ms", j->api->name, j->number,
		    va_http_outcome_name(o), j->tries, c->max_tries, delay);
		timer_add(j, delay, job_start);
		return;
	}
	if (o == VA_HTTP_AUTH) {
		va_log(VA_ERROR, "track_auth", "%s: credentials rejected",
		    j->api->name);
		finish(j, VA_TRACK_UNAVAILABLE, NULL, "auth", 0);
		return;
	}
	va_log(VA_WARN, "track_unavailable", "%s %s: %s after %d tries",
	    j->api->name, j->number, va_http_outcome_name(o), j->tries);
	finish(j, VA_TRACK_UNAVAILABLE, NULL,
	    o == VA_HTTP_RATE_LIMITED ? "rate_limited" :
	    o == VA_HTTP_TIMEOUT ? "timeout" :
	    o == VA_HTTP_SERVER ? "server" :
	    o == VA_HTTP_UNREACHABLE ? "unreachable" : "malformed", 1);
}

static long
retry_after(const struct va_http_resp *r)
{
	return va_http_retry_after_ms(va_http_header(r, "Retry-After"),
	    va_clock_ms());
}

/* What the vendor said about its rate limit. */
static void
note_rate(struct va_tracker *t, enum va_carrier c,
    const struct va_http_resp *r)
{
	const char *rem, *reset;

	if (t->rl[c] == NULL)
		return;
	if (r->status == 429) {
		va_ratelimit_note_429(t->rl[c], mono_ms(), retry_after(r));
		return;
	}
	rem = va_http_header(r, "X-RateLimit-Remaining");
	reset = va_http_header(r, "X-RateLimit-Reset");
	if (rem != NULL)
		va_ratelimit_note(t->rl[c], mono_ms(), atol(rem),
		    reset != NULL ? (int64_t)(atof(reset) * 1000) : -1);
}

/* Tokens arriving. */

static void
on_token(void *arg, struct va_http_resp *r)
{
	struct token *k = arg;
	struct va_tracker *t;
	struct job *w, *next;
	enum va_carrier c;
	char *tok = NULL;
	int64_t exp_ms = 0;
	enum va_http_outcome o = r->outcome;

	w = k->waiters;
	k->waiters = NULL;
	k->fetching = 0;
	if (w == NULL)
		return;
	t = w->t;
	c = w->api->carrier;
	note_rate(t, c, r);
	if (o == VA_HTTP_OK) {
		if (va_carrier_token_parse(r->body, &tok, &exp_ms) == 0) {
			token_set(t, c, tok, exp_ms);
			free(tok);
		} else {
			va_log(VA_WARN, "track_malformed",
			    "%s: token response is not a token", w->api->name);
			o = VA_HTTP_PROTOCOL;
		}
	}
	for (; w != NULL; w = next) {
		next = w->next;
		w->next = NULL;
		w->backend_ms += r->elapsed_ms;
		if (o == VA_HTTP_OK)
			send_now(w);
		else
			failed(w, o, retry_after(r));
	}
}

static void
token_fetch(struct va_tracker *t, struct job *j)
{
	struct token *k = &t->tok[j->api->carrier];
	struct va_carrier_req cr;
	struct va_http_req req;

	j->next = k->waiters;
	k->waiters = j;
	if (k->fetching)
		return;
	memset(&cr, 0, sizeof(cr));
	if (j->api->token_req(&t->c.carrier[j->api->carrier], &cr) == -1) {
		va_carrier_req_free(&cr);
		k->waiters = j->next;
		j->next = NULL;
		va_log(VA_ERROR, "track_config", "%s: no client id or secret",
		    j->api->name);
		finish(j, VA_TRACK_UNAVAILABLE, NULL, "unconfigured", 0);
		return;
	}
	va_carrier_req_http(&cr, &req);
	req.timeout_ms = t->c.timeout_ms;
	req.connect_timeout_ms = t->c.connect_timeout_ms;
	if (va_fetch_start(t->f, &req, on_token, k) == 0)
		k->fetching = 1;
	va_carrier_req_free(&cr);
	if (!k->fetching) {
		k->waiters = j->next;
		j->next = NULL;
		finish(j, VA_TRACK_UNAVAILABLE, NULL, "unreachable", 0);
	}
}

/* Tracking answers. */

static void
store_ship(struct va_tracker *t, const char *key,
    const struct va_shipment *s)
{
	json_t *o;
	char *js;

	if ((o = va_shipment_json(s)) == NULL)
		return;
	if ((js = json_dumps(o, JSON_COMPACT)) != NULL) {
		mem_put(t, key, js, va_clock_ms());
		if (t->st != NULL) {
			va_track_txn(t);
			va_cache_put(t->st, NS_SHIP, key, js, strlen(js));
		}
		free(js);
	}
	json_decref(o);
}

static void
on_track(void *arg, struct va_http_resp *r)
{
	struct job *j = arg;
	struct va_tracker *t = j->t;
	struct va_shipment s;

	note_rate(t, j->api->carrier, r);
	j->backend_ms += r->elapsed_ms;
	switch (r->outcome) {
	case VA_HTTP_AUTH:
		if (j->api->oauth && !j->renewed && r->status == 401) {
			/* Expired or revoked: one new token, one more try. */
			va_log(VA_INFO, "track_token_renew",
			    "%s: token refused, renewing", j->api->name);
			j->renewed = 1;
			token_drop(t, j->api->carrier, j->token);
			j->tries--;
			job_start(j);
			return;
		}
		failed(j, VA_HTTP_AUTH, -1);
		return;
	case VA_HTTP_OK:
	case VA_HTTP_NOT_FOUND:
	case VA_HTTP_CLIENT:
		break;
	default:
		failed(j, r->outcome, r->status == 429 ? retry_after(r) : -1);
		return;
	}
	if (r->outcome == VA_HTTP_CLIENT) {
		/* The carrier refused the number itself (a 400). */
		finish(j, VA_TRACK_NOT_FOUND, NULL, NULL, 0);
		return;
	}
	switch (j->api->parse(j->number, r->status, r->body, &s)) {
	case VA_PARSE_FOUND:
		store_ship(t, j->key, &s);
		finish(j, VA_TRACK_OK, &s, NULL, 0);
		break;
	case VA_PARSE_NOT_FOUND:
		finish(j, VA_TRACK_NOT_FOUND, NULL, NULL, 1);
		break;
	default:
		va_log(VA_WARN, "track_malformed", "%s %s: status %ld, the "
		    "body is not the documented shape", j->api->name,
		    j->number, r->status);
		finish(j, VA_TRACK_UNAVAILABLE, NULL, "malformed", 1);
		break;
	}
}

static void
send_now(struct job *j)
{
	struct va_tracker *t = j->t;
	struct va_carrier_req cr;
	struct va_http_req req;
	const char *tok = NULL;
	char tid[40];
	int ok = 0;

	if (j->allowed == 1 && breaker_open(t, j->api)) {
		/* Opened while this one waited its turn. */
		j->allowed = 0;
		finish(j, VA_TRACK_UNAVAILABLE, NULL, "breaker_open", 1);
		return;
	}
	if (j->api->oauth && (tok = token_get(t, j->api->carrier)) == NULL) {
		token_fetch(t, j);
		return;
	}
	free(j->token);
	j->token = tok != NULL ? strdup(tok) : NULL;
	snprintf(tid, sizeof(tid), "va-%ld-%lu", (long)getpid(),
	    ++t->seq);
	memset(&cr, 0, sizeof(cr));
	if (j->api->track_req(&t->c.carrier[j->api->carrier], j->number,
	    tok != NULL ? tok : "", tid, &cr) == 0) {
		va_carrier_req_http(&cr, &req);
		req.timeout_ms = t->c.timeout_ms;
		req.connect_timeout_ms = t->c.connect_timeout_ms;
		ok = va_fetch_start(t->f, &req, on_track, j) == 0;
	}
	va_carrier_req_free(&cr);
	if (!ok)
		finish(j, VA_TRACK_UNAVAILABLE, NULL, "unconfigured", 0);
}

/* A try begins: wait for the rate limit, then send. */
static void
job_start(struct job *j)
{
	struct va_ratelimit *rl = j->t->rl[j->api->carrier];
	int64_t wait;

	j->tries++;
	if (rl != NULL && (wait = va_ratelimit_acquire(rl, mono_ms())) > 0) {
		timer_add(j, wait, send_now);
		return;
	}
	send_now(j);
}

/* Lookups. */

/* Choose the carrier; NULL and *invalid set when none fits. */
static const struct va_carrier_api *
choose(struct va_tracker *t, const char *number, const char *carrier,
    char *norm, size_t cap, int *ambiguous)
{
	struct va_tracking_match m[24];
	enum va_carrier want = va_carrier_parse(carrier);
	int n, i, k = -1;

	*ambiguous = 0;
	n = va_tracking_detect(number, m, 24);
	if (n > 24)
		n = 24;
	for (i = 0; i < n; i++) {
		if (!m[i].valid || (want != VA_CARRIER_NONE &&
		    m[i].carrier != want))
			continue;
		if (k == -1 || (!t->c.enabled[m[k].carrier] &&
		    t->c.enabled[m[i].carrier]))
			k = i;
		if (k != i && m[i].carrier != m[k].carrier)
			*ambiguous = 1;
	}
	if (k == -1)
		return NULL;
	snprintf(norm, cap, "%s", m[k].number);
	return va_carrier_api(m[k].carrier);
}

static struct job *
job_new(struct va_tracker *t, const struct va_carrier_api *api,
    const char *number, va_track_cb cb, void *arg)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->t = t;
	j->api = api;
	snprintf(j->number, sizeof(j->number), "%s", number);
	snprintf(j->key, sizeof(j->key), "%s:%s", api->name, number);
	j->cb = cb;
	j->arg = arg;
	j->deadline = mono_ms() + t->c.budget_ms;
	t->njobs++;
	if (cb != NULL)
		t->nwaiting++;
	return j;
}

int
va_track_lookup(struct va_tracker *t, const char *number,
    const char *carrier, int flags, va_track_cb cb, void *arg)
{
	const struct va_carrier_api *api;
	struct va_track_answer a;
	struct va_shipment s;
	struct mem *m;
	struct job *j, *bg;
	char norm[64], key[80];
	void *val;
	size_t len;
	int64_t age = 0;
	json_t *o;
	int ambiguous, have = 0;

	memset(&a, 0, sizeof(a));
	a.number = number;
	api = choose(t, number, carrier, norm, sizeof(norm), &ambiguous);
	if (api == NULL) {
		a.status = VA_TRACK_INVALID;
		a.carrier = carrier != NULL && carrier[0] ? carrier : NULL;
		cb(arg, &a);
		return 0;
	}
	a.number = norm;
	a.carrier = api->name;
	a.ambiguous = ambiguous;
	if (!t->c.enabled[api->carrier]) {
		va_log(VA_WARN, "track_config", "%s: not configured", api->name);
		a.status = VA_TRACK_UNAVAILABLE;
		a.why = "unconfigured";
		cb(arg, &a);
		return 0;
	}
	snprintf(key, sizeof(key), "%s:%s", api->name, norm);
	if (!(flags & VA_TRACK_ORIGIN)) {
		if ((m = mem_get(t, key)) != NULL) {
			age = va_clock_ms() - m->stored_at;
			o = json_loads(m->json, 0, NULL);
			have = va_shipment_from_json(&s, o) == 0;
			json_decref(o);
		} else if (t->st != NULL && va_cache_get(t->st, NS_SHIP, key,
		    &val, &len, &age) == 1) {
			o = json_loads(val, 0, NULL);
			have = va_shipment_from_json(&s, o) == 0;
			json_decref(o);
			if (have)
				m = mem_put(t, key, val, va_clock_ms() - age);
			free(val);
		}
		if (have && age < t->c.stale_ms) {
			a.status = VA_TRACK_OK;
			a.ship = s;
			a.cached = 1;
			a.stale = age >= t->c.ttl_ms;
			if (a.stale && (m == NULL || !m->refreshing) &&
			    (bg = job_new(t, api, norm, NULL, NULL)) != NULL) {
				/* Served stale; refreshed behind it. */
				if (m != NULL)
					m->refreshing = 1;
				if ((bg->allowed = breaker_allow(t, api)) == 0)
					finish(bg, VA_TRACK_UNAVAILABLE, NULL,
					    "breaker_open", 1);
				else
					job_start(bg);
			}
			cb(arg, &a);
			return 0;
		}
	}
	if ((j = job_new(t, api, norm, cb, arg)) == NULL)
		return -1;
	j->ambiguous = ambiguous;
	if ((j->allowed = breaker_allow(t, api)) == 0) {
		va_log(VA_WARN, "breaker_open", "%s: failing fast, the carrier "
		    "failed repeatedly", api->name);
		finish(j, VA_TRACK_UNAVAILABLE, NULL, "breaker_open", 1);
		return 0;
	}
	job_start(j);
	return 0;
}

int
va_track_run(struct va_tracker *t, int fd, long timeout_ms)
{
	int64_t now;
	int r;

	timers_run(t);
	va_track_commit(t);
	if (t->timers != NULL) {
		now = mono_ms();
		if (t->timers->due - now < timeout_ms || timeout_ms < 0)
			timeout_ms = t->timers->due > now ?
			    (long)(t->timers->due - now) : 0;
	}
	if (timeout_ms < 0)
		timeout_ms = 1000;
	r = va_fetch_wait(t->f, fd, timeout_ms);
	timers_run(t);
	va_track_commit(t);
	return r;
}

int
va_track_pending(const struct va_tracker *t)
{
	return t->njobs;
}

int
va_track_waiting(const struct va_tracker *t)
{
	return t->nwaiting;
}

struct drain_one {
	int	 finished;
	enum va_track_status status;
};

static void
on_drained(void *arg, const struct va_track_answer *a)
{
	struct drain_one *d = arg;

	d->finished = 1;
	d->status = a->status;
}

/* Look a queued refresh up at the carrier; cached when it answers. */
static enum va_outbox_verdict
drain_deliver(void *arg, const struct va_outbox_job *job, char *err,
    size_t errlen)
{
	struct va_tracker *t = arg;
	struct drain_one d;
	json_t *o;
	const char *num, *car;

	o = json_loads(job->payload != NULL ? job->payload : "", 0, NULL);
	num = json_string_value(json_object_get(o, "number"));
	car = json_string_value(json_object_get(o, "carrier"));
	memset(&d, 0, sizeof(d));
	if (num != NULL && va_track_lookup(t, num, car, VA_TRACK_ORIGIN,
	    on_drained, &d) == 0) {
		while (!d.finished)
			va_track_run(t, -1, 1000);
	} else
		d.status = VA_TRACK_INVALID;
	json_decref(o);
	if (d.status == VA_TRACK_OK)
		return VA_OUTBOX_DELIVERED;
	/* Even a number no carrier takes is retried, then dead. */
	snprintf(err, errlen, "%s", va_track_status_name(d.status));
	return VA_OUTBOX_RETRY;
}

/* Said once the outcome is in the outbox (after any outbox_dead). */
static void
drain_report(void *arg, const struct va_outbox_job *job,
    enum va_outbox_verdict v, const char *error, int dead)
{
	(void)arg;
	(void)dead;
	if (v == VA_OUTBOX_DELIVERED)
		va_log(VA_INFO, "track_drained", "%s: refreshed", job->key);
	else
		va_log(VA_WARN, "track_drain_failed", "%s: %s", job->key,
		    error);
}

int
va_track_drain(struct va_tracker *t, long max, long *done, long *failed_n)
{
	struct va_outbox_tally tally;
	int r;

	r = va_outbox_drain_report(t->st, "track", NULL, max, drain_deliver,
	    drain_report, t, &tally);
	*done = tally.done;
	*failed_n = tally.failed;
	return r;
}

struct va_tracker *
va_track_new(struct va_store *st, const struct va_track_conf *c)
{
	struct va_tracker *t;
	int i;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		return NULL;
	}
	t->st = st;
	t->c = *c;
	if (t->c.max_tries < 1)
		t->c.max_tries = 3;
	if (t->c.budget_ms <= 0)
		t->c.budget_ms = 10000;
	if (t->c.backoff_base_ms <= 0)
		t->c.backoff_base_ms = 200;
	if (t->c.backoff_max_ms <= 0)
		t->c.backoff_max_ms = 5000;
	if (st != NULL && (va_cache_init(st) == -1 ||
	    va_outbox_init(st) == -1 || va_breaker_init(st) == -1))
		goto fail;
	if ((t->f = va_fetch_new(c->max_conns)) == NULL)
		goto fail;
	for (i = 0; i < VA_NCARRIERS; i++)
		if (c->rate[i] > 0 && (t->rl[i] = va_ratelimit_new(c->rate[i],
		    c->burst[i] >= 1 ? c->burst[i] : 1)) == NULL)
			goto fail;
	return t;
fail:
	va_track_free(t);
	return NULL;
}

void
va_track_free(struct va_tracker *t)
{
	struct mem *m, *next;
	struct job *j;
	int i;

	if (t == NULL)
		return;
	va_track_commit(t);
	/* Transfers first: their callbacks point at jobs. */
	va_fetch_free(t->f);
	while ((j = t->timers) != NULL) {
		t->timers = j->next;
		job_free(j);
	}
	for (i = 0; i < VA_NCARRIERS; i++) {
		while ((j = t->tok[i].waiters) != NULL) {
			t->tok[i].waiters = j->next;
			job_free(j);
		}
		free(t->tok[i].token);
		va_ratelimit_free(t->rl[i]);
	}
	for (i = 0; i < MEM_BUCKETS; i++)
		for (m = t->mem[i]; m != NULL; m = next) {
			next = m->next;
			free(m->key);
			free(m->json);
			free(m);
		}
	free(t);
}
