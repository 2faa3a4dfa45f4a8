/*
 * va-order - answer "where is my order?" from the shop's own system.
 *
 * A filter: each action event with tool "order" and op "lookup" (params
 * number, phone or email, and optionally store) is answered by a result
 * event carrying the normalised order (lib/order.h) and the sentence for
 * the caller, followed by a reply event speaking it unless the action says
 * "reply": false. The result is also recorded in the store (lib/callstate.h)
 * for va-route. Other events pass through untouched.
 *
 * Orders come from the configured stores (--stores, lib/shopconf.h):
 * Shopify, Magento 2, WooCommerce, BigCommerce, or the local sqlite store
 * filled by `va-order import FILE...` from JSON or CSV. Remote lookups go
 * through a cache, a circuit breaker, a rate limiter per store and retries
 * (lib/shop.c); a backend that is down is an honest "unavailable" result,
 * never a dead pipeline. Params holding a payment card number are refused
 * with an error event and nothing is stored.
 *
 * With --concurrency N above 1, up to N remote lookups run at once over
 * one curl multi handle (lib/shop.c's runner): cache hits and the local
 * store are answered at once, a lookup waiting on a slow shop holds back
 * only the later events of its own call, and answers may come out of
 * input order across calls, never within one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callq.h"
#include "callstate.h"
#include "clock.h"
#include "conf.h"
#include "csv.h"
#include "event.h"
#include "linein.h"
#include "log.h"
#include "loop.h"
#include "luhn.h"
#include "order.h"
#include "out.h"
#include "shop.h"
#include "shopconf.h"
#include "store.h"

static struct va_opt opts[] = {
	{ "db", 0, VA_OPT_STR, "va.db", "PATH",
	  "the sqlite store: results, cache, breakers, local orders", 0, 0 },
	{ "stores", 'S', VA_OPT_STR, NULL, "FILE",
	  "the stores file (JSON); without it, one local store", 0, 0 },
	{ "store", 's', VA_OPT_STR, NULL, "NAME",
	  "the store import fills (default: the default store)", 0, 0 },
	{ "ssml", 0, VA_OPT_BOOL, NULL, NULL,
	  "say numbers with SSML say-as instead of spaced digits", 0, 0 },
	{ "timeout-ms", 't', VA_OPT_INT, "3000", "MS",
	  "timeout of one HTTP try", 50, 600000 },
	{ "tries", 0, VA_OPT_INT, "3", "N",
	  "HTTP tries per request (retries with backoff)", 1, 10 },
	{ "budget-ms", 0, VA_OPT_INT, "8000", "MS",
	  "longest a lookup may take, waits and retries included", 50,
	  600000 },
	{ "cache-ttl-ms", 0, VA_OPT_INT, "300000", "MS",
	  "how long an answer is reused (0: no cache)", 0, 86400000 },
	{ "breaker-threshold", 0, VA_OPT_INT, "5", "N",
	  "consecutive failures that open a store's breaker", 1, 1000 },
	{ "breaker-cooldown-ms", 0, VA_OPT_INT, "30000", "MS",
	  "how long an open breaker fails fast", 1, 86400000 },
	{ "concurrency", 'j', VA_OPT_INT, "1", "N",
	  "lookups in flight at once (answers may then come out of order "
	  "across calls)", 1, 10000 },
	{ NULL, 0, 0, NULL, NULL, NULL, 0, 0 }
};

static struct va_conf conf = {
	"va-order", "[options]\n       va-order [options] import FILE...",
	"Answer action events {\"tool\":\"order\",\"op\":\"lookup\"} with the\n"
	"order from the shop (Shopify, Magento, WooCommerce, BigCommerce or\n"
	"the local store) as result and reply events; other events pass\n"
	"through. \"import FILE...\" loads orders (JSON or CSV) into the\n"
	"local store.",
	opts, 0, 0
};

struct state {
	struct va_shops *shops;
	struct va_store *db;
	enum va_say_mode say;
	struct va_shop_runner *runner;	/* with --concurrency above 1 */
	int	concurrency;
};

/* Params */

/* 1 when any string (or integer) inside v holds a card number. */
static int
holds_card(const json_t *v)
{
	const char *k;
	json_t *x, *obj;
	char buf[32];
	size_t i, s, n;

	if (json_is_string(v))
		return va_card_find(json_string_value(v), &s, &n);
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_integer_value(v));
		return va_card_find(buf, &s, &n);
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (holds_card(x))
				return 1;
	}
	if (json_is_object(v)) {
		/* jansson's iteration macro wants a mutable object. */
		memcpy(&obj, &v, sizeof(obj));
		json_object_foreach(obj, k, x)
			if (holds_card(x) || va_card_find(k, &s, &n))
				return 1;
	}
	return 0;
}

/* A param as text: a string, or an integer written out; NULL otherwise. */
static const char *
param(const json_t *params, const char *key, char *buf, size_t cap)
{
	const json_t *v = json_object_get(params, key);

	if (json_is_string(v) && json_string_length(v) > 0)
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

/* Answering */

static const char *
status_name(enum va_shop_status s)
{
	switch (s) {
	case VA_SHOP_OK:
		return "ok";
	case VA_SHOP_NOT_FOUND:
		return "not_found";
	case VA_SHOP_INVALID:
		return "invalid";
	default:
		return "unavailable";
	}
}

static void
log_failure(const struct va_shop *s, const struct va_shop_answer *a)
{
	if (a->reason == NULL || a->status == VA_SHOP_NOT_FOUND ||
	    a->status == VA_SHOP_OK)
		return;
	if (strcmp(a->reason, "auth") == 0)
		va_log(VA_ERROR, "shop_auth", "%s (%s): %s; check the "
		    "credentials the stores file names", s->name,
		    s->backend->name, a->detail);
	else if (strcmp(a->reason, "breaker_open") == 0)
		va_log(VA_WARN, "breaker_open", "%s: failing fast, the "
		    "backend failed repeatedly", s->name);
	else if (a->status == VA_SHOP_UNAVAILABLE)
		va_log(VA_WARN, "shop_unavailable", "%s (%s): %s: %s", s->name,
		    s->backend->name, a->reason, a->detail);
	else
		va_log(VA_INFO, "shop_invalid", "%s: %s: %s", s->name,
		    a->reason, a->detail);
}

/*
 * What this stage added: the time since the action was read (va_mono_us,
 * which stands still under VA_FIXED_CLOCK), less the time its requests
 * took at the shop.
 */
static int64_t
proc_ms(const struct va_shop_answer *a, int64_t read_us)
{
	int64_t ms;

	if (va_clock_fixed())
		return 0;
	ms = (va_mono_us() - read_us) / 1000 - a->backend_ms;
	return ms > 0 ? ms : 0;
}

/* Write the result (and reply) and record the result; 0 or -1. */
static int
answer(struct state *st, const struct va_event *ev, const char *key,
    const struct va_shop *s, const struct va_shop_answer *a,
    const struct va_shop_query *q, int64_t read_us)
{
	struct va_result_rec rec = { 0 };
	const char *status = status_name(a->status), *by;
	json_t *data = NULL;
	char *say, *text = NULL, *call;
	int rc = 0;

	if (a->status == VA_SHOP_OK) {
		data = va_order_to_json(&a->order);
		say = va_order_say(&a->order, st->say);
	} else {
		/* Said when the caller gave a phone or email we cannot use. */
		by = q->phone ? "phone" : q->email ? "email" : NULL;
		if (a->status == VA_SHOP_INVALID && (a->reason == NULL ||
		    strcmp(a->reason, "unsupported") != 0))
			by = NULL;
		say = va_order_say_missing(status, q->number, by, st->say);
	}
	if (say == NULL || (a->status == VA_SHOP_OK && data == NULL))
		va_die(71, "out_of_memory", "out of memory");
	va_emit_begin("result", ev);
	va_emit_str("tool", "order");
	va_emit_str("op", "lookup");
	va_emit_str("key", key);
	va_emit_bool("ok", a->status == VA_SHOP_OK);
	va_emit_str("status", status);
	if (data != NULL)
		va_emit_json("data", data);
	else
		va_emit_raw("data", "null", 4);
	va_emit_str("say", say);
	va_emit_bool("cached", a->cached);
	va_emit_str("backend", s != NULL ? s->backend->name : NULL);
	va_emit_int("proc_ms", proc_ms(a, read_us));
	va_emit_end(ev);
	if (va_event_bool(ev, "reply", 1)) {
		va_emit_begin("reply", ev);
		va_emit_str("text", say);
		if (a->status == VA_SHOP_NOT_FOUND ||
		    a->status == VA_SHOP_INVALID)
			va_emit_str("expect", "order_number");
		else
			va_emit_str("expect", NULL);
		va_emit_end(ev);
	}
	if ((call = va_event_str(ev, "call")) != NULL) {
		if (data != NULL)
			text = json_dumps(data, JSON_COMPACT);
		rec.tool = "order";
		rec.op = "lookup";
		rec.ok = a->status == VA_SHOP_OK;
		rec.status = (char *)(uintptr_t)status;
		rec.data = text;
		rec.say = say;
		rec.at = va_clock_ms();
		if (st->runner != NULL)
			va_shop_txn(st->runner);
		rc = va_callstate_put_result(st->db, call,
		    key != NULL ? key : "order", &rec);
		free(text);
		free(call);
	}
	json_decref(data);
	free(say);
	return rc;
}

/* The query in params; the buffers hold integers written out. */
static void
query_of(const json_t *params, struct va_shop_query *q, char *nbuf,
    char *pbuf, size_t cap)
{
	memset(q, 0, sizeof(*q));
	q->number = param(params, "number", nbuf, cap);
	q->phone = param(params, "phone", pbuf, cap);
	q->email = param(params, "email", NULL, 0);
}

/*
 * The store for the action; NULL with a filled (a "no store" answer)
 * when params name a store that is not configured.
 */
static struct va_shop *
route(struct state *st, const struct va_event *ev, const json_t *params,
    struct va_shop_answer *a)
{
	struct va_shop *s;
	const char *store = param(params, "store", NULL, 0);
	char *call = va_event_str(ev, "call");

	s = va_shops_route(st->shops, store, call);
	free(call);
	if (s == NULL) {
		memset(a, 0, sizeof(*a));
		va_order_init(&a->order);
		va_shop_fail(a, VA_SHOP_INVALID, "no_store", "no store %s",
		    store);
		va_log(VA_WARN, "no_store", "line %ld: no store named %s",
		    ev->lineno, store);
	}
	return s;
}

/* Write the answer to the action ev (params its params). */
static void
respond(struct state *st, const struct va_event *ev, const json_t *params,
    const struct va_shop *s, const struct va_shop_answer *a,
    int64_t read_us)
{
	struct va_shop_query q;
	char nbuf[32], pbuf[32], *key = va_event_str(ev, "key");

	query_of(params, &q, nbuf, pbuf, sizeof(nbuf));
	if (answer(st, ev, key, s, a, &q, read_us) == -1)
		va_emit_error(ev, "store_error",
		    "the result could not be recorded in the store");
	free(key);
}

/* Look up one action's order and answer it. */
static void
lookup(struct state *st, const struct va_event *ev, const json_t *params,
    int64_t read_us)
{
	struct va_shop_query q;
	struct va_shop_answer a;
	struct va_shop *s;
	char nbuf[32], pbuf[32];

	query_of(params, &q, nbuf, pbuf, sizeof(nbuf));
	if ((s = route(st, ev, params, &a)) != NULL) {
		if (va_shop_lookup(s, &q, &a) == -1)
			va_die(71, "out_of_memory", "out of memory");
		log_failure(s, &a);
	}
	respond(st, ev, params, s, &a, read_us);
	va_shop_answer_free(&a);
}

/*
 * Is ev an order lookup? 1 with *params (new) set; 0 when it is another
 * event; -1 when it is an order action answered by an error event.
 */
static int
order_action(const struct va_event *ev, json_t **params)
{
	char *tool, *op = NULL;
	int rc = -1;

	*params = NULL;
	if (!va_event_is(ev, "action"))
		return 0;
	tool = va_event_str(ev, "tool");
	if (tool == NULL || strcmp(tool, "order") != 0) {
		free(tool);
		return 0;
	}
	op = va_event_str(ev, "op");
	*params = va_event_json(ev, "params");
	if (*params != NULL && holds_card(*params)) {
		va_log(VA_WARN, "card_refused", "line %ld: params hold a "
		    "payment card number; refused", ev->lineno);
		va_emit_error(ev, "card_number", "params hold a payment card "
		    "number; refused and not stored");
	} else if (op == NULL || strcmp(op, "lookup") != 0)
		va_emit_error(ev, "unknown_op", "tool order has no op %s",
		    op != NULL ? op : "(none)");
	else if (*params != NULL && !json_is_object(*params))
		va_emit_error(ev, "bad_params", "params is not an object");
	else
		rc = 1;
	if (rc == -1) {
		json_decref(*params);
		*params = NULL;
	}
	free(tool);
	free(op);
	return rc;
}

/* One lookup at a time: the shared filter loop. */
static int
handle(const struct va_event *ev, void *arg)
{
	struct state *st = arg;
	json_t *params;
	int64_t t0 = va_mono_us();
	int r;

	if ((r = order_action(ev, &params)) == 0) {
		va_out_write(ev->line, ev->len);
		va_out_putc('\n');
	} else if (r == 1)
		lookup(st, ev, params, t0);
	json_decref(params);
	return 0;
}

/* Many lookups at once (see run_concurrent). */

struct item {
	char	*line;
	size_t	 len;
	long	 lineno;
	int64_t	 read_us;
	int	 action;	/* an order action */
	int	 started, done;	/* done: 1 answered, 2 by an error */
	struct va_shop *s;
	struct va_shop_answer a;
	struct va_callq_call *q;
};

static struct state *cst;
static struct va_callq *calls;	/* calls with events held */

static void
on_item(void *arg, struct va_shop *s, struct va_shop_answer *a)
{
	struct item *it = arg;

	log_failure(s, a);
	it->a = *a;
	va_order_init(&a->order);	/* the order is the item's now */
	it->done = 1;
	va_callq_advance(it->q);
}

static int
item_parse(const struct item *it, struct va_event *ev)
{
	const char *why;

	memset(ev, 0, sizeof(*ev));
	if (va_event_parse(ev, it->line, it->len, &why) == -1) {
		va_jscan_free(&ev->js);
		return -1;
	}
	ev->lineno = it->lineno;
	return 0;
}

/* Start the item's lookup; done is set when it is answered already. */
static void
start(struct item *it)
{
	struct va_shop_query q;
	struct va_event ev;
	json_t *params;
	char nbuf[32], pbuf[32];

	it->started = 1;
	if (item_parse(it, &ev) == -1) {
		it->done = 2;
		return;
	}
	if (order_action(&ev, &params) != 1)
		it->done = 2;	/* the error event is written */
	else if ((it->s = route(cst, &ev, params, &it->a)) == NULL)
		it->done = 1;
	else {
		query_of(params, &q, nbuf, pbuf, sizeof(nbuf));
		if (va_shop_start(cst->runner, it->s, &q, on_item, it) == -1)
			va_die(71, "out_of_memory", "out of memory");
	}
	json_decref(params);
	va_jscan_free(&ev.js);
}

static void
answer_item(struct item *it)
{
	struct va_event ev;
	json_t *params;

	if (item_parse(it, &ev) == 0) {
		params = va_event_json(&ev, "params");
		respond(cst, &ev, params, it->s, &it->a, it->read_us);
		json_decref(params);
	}
	va_jscan_free(&ev.js);
	va_shop_answer_free(&it->a);
	it->done = 2;	/* nothing left to free */
}

/*
 * The item at the head of its call's queue (lib/callq.h): write it out,
 * or start its lookup; 0 while that is in flight.
 */
static int
step(void *arg, void *unused)
{
	struct item *it = arg;

	if (it->action) {
		if (!it->started)
			start(it);
		if (!it->done)
			return 0;
		if (it->done == 1)
			answer_item(it);
	} else {
		va_out_write(it->line, it->len);
		va_out_putc('\n');
	}
	return 1;
}

static void
release(void *arg, void *unused)
{
	struct item *it = arg;

	if (it->done == 1)
		va_shop_answer_free(&it->a);	/* held at a stop */
	free(it->line);
	free(it);
}

/* Is ev an action for the order tool? */
static int
is_order(const struct va_event *ev)
{
	char *tool;
	int r;

	if (!va_event_is(ev, "action"))
		return 0;
	tool = va_event_str(ev, "tool");
	r = tool != NULL && strcmp(tool, "order") == 0;
	free(tool);
	return r;
}

/* One input line, the lineno-th; -1 when it is bad. */
static int
one_line(const char *line, size_t len, long lineno)
{
	struct va_event ev;
	struct va_callq_call *q;
	struct item *it;
	const char *why;
	char *call;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	memset(&ev, 0, sizeof(ev));
	if (va_event_parse(&ev, line, len, &why) == -1) {
		va_log(VA_WARN, "bad_line", "line %ld: %s", lineno, why);
		va_jscan_free(&ev.js);
		return -1;
	}
	ev.lineno = lineno;
	call = va_event_str(&ev, "call");
	q = va_callq_find(calls, call);
	if (q == NULL && !is_order(&ev)) {
		va_out_write(line, len);
		va_out_putc('\n');
	} else {
		if ((it = calloc(1, sizeof(*it))) == NULL ||
		    (it->line = malloc(len)) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		memcpy(it->line, line, len);
		it->len = len;
		it->lineno = lineno;
		it->read_us = va_mono_us();
		it->action = q != NULL ? is_order(&ev) : 1;
		if ((it->q = va_callq_get(calls, call)) == NULL ||
		    va_callq_push(it->q, it) == -1)
			va_die(71, "out_of_memory", "out of memory");
	}
	free(call);
	va_jscan_free(&ev.js);
	return 0;
}

/*
 * Many lookups at once: a poll loop over standard input and the runner.
 * Events are queued per call while an action of that call is waiting for
 * its answer, so a call's events keep their order and other calls are not
 * held up.
 */
static int
run_concurrent(struct state *st)
{
	struct va_linein in;
	const char *line;
	size_t n;
	int r, eof = 0, status = 0, ready;

	cst = st;
	if ((calls = va_callq_new(step, release, NULL)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	va_linein_init(&in, 0, 0);
	va_signals_init();
	va_shop_batch(st->runner, 1);
	while (!eof || va_shop_pending(st->runner) > 0 ||
	    va_callq_count(calls) > 0) {
		va_out_flush();
		if (va_stop_requested())
			break;
		if (!eof && va_shop_pending(st->runner) < st->concurrency)
			ready = va_shop_run(st->runner, 0, -1);
		else
			ready = (va_shop_run(st->runner, -1, -1), 0);
		if (!ready)
			continue;
		if ((r = va_linein_fill(&in)) == -1) {
			status = 74;
			break;
		}
		eof = r == 0;
		while ((r = va_linein_next(&in, &line, &n)) != 0) {
			if (r == 1 && one_line(line, n, in.lineno) == 0)
				continue;
			status = 65;
			if (conf.strict) {
				eof = 1;
				break;
			}
		}
		va_shop_commit(st->runner);
	}
	va_shop_commit(st->runner);
	va_out_flush();
	va_linein_free(&in);
	va_callq_free(calls);
	return status;
}

/* Import */

static int
import_one(struct va_store *db, const char *store, const json_t *j,
    const char *file, long n)
{
	struct va_order o;
	const char *why;

	if (va_order_from_json(&o, j, &why) == -1) {
		va_log(VA_WARN, "import_bad", "%s: order %ld: %s", file, n,
		    why);
		return 1;
	}
	if (va_shop_local_put(db, store, &o) == -1) {
		va_order_free(&o);
		return -1;
	}
	va_order_free(&o);
	return 0;
}

/* JSON: an array of orders, {"orders": [...]}, or one order. */
static int
import_json(struct va_store *db, const char *store, const char *file,
    long *count, long *bad)
{
	json_error_t err;
	const json_t *arr, *o;
	json_t *j;
	FILE *fp;
	size_t i;
	int rc;

	if (strcmp(file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(file, "rb")) == NULL) {
		va_log(VA_ERROR, "import_open", "%s: %s", file,
		    strerror(errno));
		return 66;
	}
	j = json_loadf(fp, 0, &err);
	if (fp != stdin)
		fclose(fp);
	if (j == NULL) {
		va_log(VA_ERROR, "import_parse", "%s:%d: %s",
		    strcmp(file, "-") == 0 ? "standard input" : file, err.line,
		    err.text);
		return 65;
	}
	arr = json_is_array(j) ? j : json_object_get(j, "orders");
	if (arr == NULL) {
		rc = import_one(db, store, j, file, 1);
		*count += rc == 0;
		*bad += rc == 1;
		json_decref(j);
		return rc == -1 ? 75 : 0;
	}
	json_array_foreach(arr, i, o) {
		if ((rc = import_one(db, store, o, file, (long)i + 1)) == -1) {
			json_decref(j);
			return 75;
		}
		*count += rc == 0;
		*bad += rc == 1;
	}
	json_decref(j);
	return 0;
}

static const char *
field(const struct va_csv *c, const char *name)
{
	int i = va_csv_col(c, name);

	if (i < 0 || (size_t)i >= c->nf || c->f[i][0] == '\0')
		return NULL;
	return c->f[i];
}

/* "2 x Mug; Teapot" -> items. */
static int
csv_items(struct va_order *o, const char *s)
{
	struct va_order_item *it;
	char *copy, *tok, *save = NULL, *p;

	if (s == NULL)
		return 0;
	if ((copy = strdup(s)) == NULL)
		return -1;
	for (tok = strtok_r(copy, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0' || (it = va_order_add_item(o)) == NULL)
			continue;
		it->quantity = 1;
		if (isdigit((unsigned char)*tok) && (p = strstr(tok, " x ")) !=
		    NULL && strspn(tok, "0123456789") == (size_t)(p - tok)) {
			it->quantity = strtoll(tok, NULL, 10);
			tok = p + 3;
		}
		for (p = tok + strlen(tok); p > tok && p[-1] == ' '; p--)
			*--p = '\0';
		va_order_set(&it->title, tok);
	}
	free(copy);
	return 0;
}

/* One CSV record as an order; 0, or 1 with *why set. */
static int
csv_order(const struct va_csv *c, struct va_order *o, const char **why)
{
	struct va_order_fulfilment *f;
	const char *v, *cur;
	char iso[32], *copy, *tok, *save = NULL;

	va_order_init(o);
	*why = "no number";
	if ((v = field(c, "number")) == NULL)
		return 1;
	va_order_set(&o->number, v + (v[0] == '#'));
	*why = "unknown status";
	v = field(c, "status");
	if (!va_order_status_valid(v))
		return 1;
	va_order_set(&o->status, v);
	va_order_set(&o->vendor_status, field(c, "vendor_status"));
	va_order_set(&o->financial_status, field(c, "financial_status"));
	cur = field(c, "currency");
	va_order_set(&o->currency, cur);
	*why = "total is not an amount";
	if ((v = field(c, "total")) != NULL &&
	    va_money_parse(v, cur, &o->total) == -1)
		return 1;
	va_order_set(&o->email, field(c, "email"));
	va_order_set(&o->phone, field(c, "phone"));
	*why = "created_at is not a date";
	if ((v = field(c, "created_at")) != NULL) {
		if (va_order_date(v, iso, sizeof(iso)) == -1)
			return 1;
		va_order_set(&o->created_at, iso);
	}
	csv_items(o, field(c, "items"));
	if (field(c, "carrier") != NULL || field(c, "tracking") != NULL) {
		if ((f = va_order_add_fulfilment(o)) == NULL)
			return 1;
		va_order_set(&f->carrier, field(c, "carrier"));
		if ((v = field(c, "shipped_at")) != NULL &&
		    va_order_date(v, iso, sizeof(iso)) == 0)
			va_order_set(&f->shipped_at, iso);
		if ((v = field(c, "tracking")) != NULL &&
		    (copy = strdup(v)) != NULL) {
			for (tok = strtok_r(copy, " ;", &save); tok != NULL;
			    tok = strtok_r(NULL, " ;", &save))
				va_order_add_tracking(f, tok);
			free(copy);
		}
	}
	*why = NULL;
	return 0;
}

static int
import_csv(struct va_store *db, const char *store, const char *file,
    long *count, long *bad)
{
	struct va_csv c;
	struct va_order o;
	const char *why;
	int rc;

	if (va_csv_open(&c, file, ',') == -1)
		return 66;
	if (va_csv_col(&c, "number") < 0 || va_csv_col(&c, "status") < 0) {
		va_log(VA_ERROR, "import_parse", "%s: the header needs at "
		    "least the columns number and status", file);
		va_csv_close(&c);
		return 65;
	}
	while ((rc = va_csv_next(&c)) == 1) {
		if (csv_order(&c, &o, &why) != 0) {
			va_log(VA_WARN, "import_bad", "%s:%ld: %s", file,
			    c.line, why);
			(*bad)++;
		} else if (va_shop_local_put(db, store, &o) == -1) {
			va_order_free(&o);
			va_csv_close(&c);
			return 75;
		} else
			(*count)++;
		va_order_free(&o);
	}
	va_csv_close(&c);
	return rc == -1 ? 65 : 0;
}

static int
is_csv(const char *file)
{
	size_t n = strlen(file);

	return n > 4 && (strcmp(file + n - 4, ".csv") == 0 ||
	    strcmp(file + n - 4, ".CSV") == 0);
}

static int
import(struct state *st, char **files, int n)
{
	const char *name = va_conf_str(&conf, "store");
	struct va_shop *s;
	long count = 0, bad = 0;
	int i, rc, status = 0;

	s = name != NULL ? va_shops_find(st->shops, name) : st->shops->def;
	if (s == NULL)
		va_die(64, "usage", "no store named %s", name);
	if (s->backend != &va_shop_local)
		va_die(64, "usage", "store %s is a %s store; import fills "
		    "local stores", s->name, s->backend->name);
	if (n == 0)
		va_die(64, "usage", "import: no file named");
	for (i = 0; i < n; i++) {
		if (va_store_begin(st->db) == -1)
			return 75;
		rc = is_csv(files[i]) ?
		    import_csv(st->db, s->name, files[i], &count, &bad) :
		    import_json(st->db, s->name, files[i], &count, &bad);
		if (rc == 75 || va_store_commit(st->db) == -1) {
			va_store_rollback(st->db);
			return 75;
		}
		if (rc > status)
			status = rc;
	}
	va_log(VA_INFO, "imported", "%ld orders into store %s, %ld refused",
	    count, s->name, bad);
	return bad > 0 && status == 0 ? 65 : status;
}

int
main(int argc, char **argv)
{
	struct va_shop_defaults d;
	struct va_filter f = { 0 };
	struct state st = { 0 };
	const char *stores;
	size_t i;
	int first, status;

	first = va_conf_parse(&conf, argc, argv);
	d.timeout_ms = (long)va_conf_int(&conf, "timeout-ms");
	d.tries = (int)va_conf_int(&conf, "tries");
	d.budget_ms = (long)va_conf_int(&conf, "budget-ms");
	d.ttl_ms = va_conf_int(&conf, "cache-ttl-ms");
	d.breaker_threshold = (int)va_conf_int(&conf, "breaker-threshold");
	d.breaker_cooldown_ms = va_conf_int(&conf, "breaker-cooldown-ms");
	st.say = va_conf_bool(&conf, "ssml") ? VA_SAY_SSML : VA_SAY_PLAIN;
	st.concurrency = (int)va_conf_int(&conf, "concurrency");
	if (first < argc && strcmp(argv[first], "import") != 0)
		va_die(64, "usage", "unexpected argument %s (see va-order "
		    "--help)", argv[first]);
	stores = va_conf_str(&conf, "stores");
	st.shops = stores != NULL ? va_shops_load(stores, &d) :
	    va_shops_local("local", &d);
	if (st.shops == NULL)
		va_die(78, "stores_config", "no usable stores configuration");
	if ((st.db = va_store_open(va_conf_str(&conf, "db"))) == NULL ||
	    va_callstate_init(st.db) == -1)
		va_die(73, "store_open", "cannot open the store %s",
		    va_conf_str(&conf, "db"));
	for (i = 0; i < st.shops->n; i++)
		if (va_shop_open(st.shops->v[i], st.db) == -1)
			va_die(71, "shop_open", "cannot set up store %s",
			    st.shops->v[i]->name);

	if (first < argc)
		status = import(&st, argv + first + 1, argc - first - 1);
	else if (st.concurrency > 1) {
		if ((st.runner = va_shop_runner_new(st.db)) == NULL)
			va_die(71, "http_init", "cannot set up HTTP");
		status = run_concurrent(&st);
		va_shop_runner_free(st.runner);
	} else {
		static const char *const types[] = { "action", NULL };

		f.types = types;
		f.handle = handle;
		f.arg = &st;
		f.strict = conf.strict;
		status = va_filter_run(&f);
	}
	va_shops_free(st.shops);
	va_store_close(st.db);
	return status;
}
