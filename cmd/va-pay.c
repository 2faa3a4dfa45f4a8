/*
 * va-pay - answer questions about payments and make refunds, at Stripe or
 * Adyen, for action events {tool "pay"}.
 *
 * op "status" looks a payment up (by payment id, or by order with Stripe)
 * and explains it in words a caller may hear, a declined card with the
 * bank's reason put kindly. op "refund" refunds only after the dialogue's
 * confirmation (params.confirmed true) and only up to --max-refund; above
 * it the answer is "handoff", for a person to approve. The action's key is
 * the Idempotency-Key, so a retried or replayed pipeline refunds once.
 * When the provider does not answer (timeout, refused connection, 5xx, 429
 * after the retries) the confirmed refund is kept in the store's outbox
 * under that key and answered "queued"; `va-pay --drain` (from cron)
 * resends it with the same key, records it as an answered refund, and
 * gives a job up when the provider refuses it for good. An action holding
 * a card number is refused: nothing of it is sent, stored or logged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstate.h"
#include "conf.h"
#include "event.h"
#include "http.h"
#include "killpoint.h"
#include "log.h"
#include "loop.h"
#include "nocard.h"
#include "out.h"
#include "outbox.h"
#include "pay.h"
#include "store.h"

static struct va_opt opts[] = {
	{ "db", 0, VA_OPT_STR, "va.db", "FILE",
	  "the sqlite store: call results, the outbox of queued refunds" },
	{ "backend", 'b', VA_OPT_STR, "stripe", "NAME", "stripe or adyen" },
	{ "url", 0, VA_OPT_STR, NULL, "URL",
	  "API base (https://api.stripe.com, https://checkout-test.adyen.com/v71)" },
	{ "token", 0, VA_OPT_SECRET, NULL, NULL,
	  "Stripe secret key or Adyen API key" },
	{ "merchant", 0, VA_OPT_STR, NULL, "ACCOUNT",
	  "Adyen merchant account" },
	{ "max-refund", 0, VA_OPT_INT, "5000", "MINOR",
	  "largest refund made without a person, in minor units", 0,
	  100000000 },
	{ "timeout-ms", 0, VA_OPT_INT, "4000", "MS",
	  "timeout of one request", 100, 120000 },
	{ "tries", 0, VA_OPT_INT, "3", "N",
	  "tries per request (429, 5xx, timeouts are retried)", 1, 10 },
	{ "budget-ms", 0, VA_OPT_INT, "8000", "MS",
	  "time for one answer, retries included", 100, 600000 },
	{ "drain", 0, VA_OPT_BOOL, NULL, NULL,
	  "resend the refunds queued in the outbox, then exit (for cron)" },
	{ NULL }
};

static struct va_conf conf = {
	"va-pay", "[options]",
	"Answer action events {tool \"pay\"}: op status explains a payment,\n"
	"op refund refunds once, after confirmation and up to a limit; a\n"
	"refund the provider did not answer is queued, and --drain resends it.",
	opts
};

struct state {
	struct va_store *st;
	struct va_pay pay;
	int64_t max_refund;
};

struct answer {
	const char *status;	/* ok, not_found, ... */
	json_t	*data;		/* owned */
	char	*say;		/* owned */
	int	cached;
};

static void
emit(struct state *s, const struct va_event *ev, const char *call,
    const char *key, const char *op, struct answer *a)
{
	struct va_result_rec rec = { 0 };
	char *text = NULL;
	int ok = strcmp(a->status, "ok") == 0 ||
	    strcmp(a->status, "queued") == 0;

	if (a->data != NULL)
		text = json_dumps(a->data, JSON_COMPACT | JSON_SORT_KEYS);
	if (call != NULL && key != NULL && !a->cached) {
		rec.tool = (char *)(uintptr_t)"pay";
		rec.op = (char *)(uintptr_t)(op != NULL ? op : "");
		rec.ok = ok;
		rec.status = (char *)(uintptr_t)a->status;
		rec.data = text;
		rec.say = a->say;
		if (va_callstate_put_result(s->st, call, key, &rec) != 0)
			va_log(VA_WARN, "callstate_failed",
			    "line %ld: result not recorded", ev->lineno);
	}
	va_emit_begin("result", ev);
	va_emit_str("tool", "pay");
	va_emit_str("op", op);
	va_emit_str("key", key);
	va_emit_bool("ok", ok);
	va_emit_str("status", a->status);
	if (text != NULL)
		va_emit_raw("data", text, strlen(text));
	else
		va_emit_str("data", NULL);
	va_emit_str("say", a->say);
	va_emit_bool("cached", a->cached);
	va_emit_str("backend", s->pay.backend);
	va_emit_end(ev);
	if (va_event_bool(ev, "reply", 1)) {
		va_emit_begin("reply", ev);
		va_emit_str("text", a->say);
		va_emit_end(ev);
	}
	free(text);
}

/* The answer for a failed vendor exchange. */
static void
failed(struct state *s, enum va_pay_rc rc, struct answer *a,
    const struct va_event *ev)
{
	switch (rc) {
	case VA_PAY_NOT_FOUND:
		a->status = "not_found";
		a->say = strdup("I couldn't find that payment. Could you check"
		    " the reference for me?");
		return;
	case VA_PAY_INVALID:
		a->status = "invalid";
		a->say = strdup("Sorry, I couldn't do that with this payment;"
		    " a colleague can help.");
		break;
	case VA_PAY_DONE:
		a->status = "refused";
		a->say = strdup("That payment has already been refunded in"
		    " full.");
		return;
	case VA_PAY_UNSUPPORTED:
		a->status = "invalid";
		a->say = strdup("I can't look that payment up by order number;"
		    " do you have the payment reference?");
		return;
	case VA_PAY_AUTH:
		/* Our configuration, not the caller's problem. */
		va_log(VA_ERROR, "auth_rejected", "%s rejected the credentials:"
		    " %s", s->pay.backend, s->pay.err);
		/* FALLTHROUGH */
	default:
		a->status = "unavailable";
		a->say = strdup("I can't reach our payment system right now."
		    " Please try again a little later, or I can pass you to a"
		    " colleague.");
		break;
	}
	va_log(VA_WARN, "pay_failed", "line %ld: %s", ev->lineno, s->pay.err);
}

static void
status_op(struct state *s, const struct va_event *ev, const json_t *params,
    struct answer *a)
{
	struct va_payment pm;
	const char *payment = json_string_value(json_object_get(params,
	    "payment"));
	const char *order = json_string_value(json_object_get(params, "order"));
	char num[32];
	enum va_pay_rc rc;
	json_t *o = json_object_get(params, "order");

	if (order == NULL && json_is_integer(o)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(o));
		order = num;
	}
	if (payment == NULL && order == NULL) {
		a->status = "invalid";
		a->say = strdup("Which payment is it about? The order number"
		    " will do.");
		return;
	}
	rc = strcmp(s->pay.backend, "stripe") == 0 ?
	    va_pay_stripe_status(&s->pay, payment, order, &pm) :
	    va_pay_adyen_status(&s->pay, payment, order, &pm);
	if (rc != VA_PAY_OK) {
		failed(s, rc, a, ev);
		return;
	}
	a->status = "ok";
	a->data = json_pack("{s:s,s:s,s:I,s:s}", "payment", pm.id, "status",
	    pm.status, "amount", (json_int_t)pm.amount, "currency",
	    pm.currency);
	if (a->data != NULL && *pm.decline != '\0')
		json_object_set_new(a->data, "decline_code",
		    json_string(pm.decline));
	if (a->data != NULL && *pm.code != '\0')
		json_object_set_new(a->data, "error_code", json_string(pm.code));
	a->say = va_pay_say_status(&pm);
}

/* A confirmed refund, as the action or a queued job gives it. */
struct refund_req {
	const char *payment;
	int64_t	amount;
	const char *currency;	/* may be NULL (not with adyen) */
	const char *reason;	/* may be NULL */
};

/* Record the refund r of data (a refund's data, amended) under call/key. */
static int
record_refund(struct state *s, const char *call, const char *key,
    json_t *data, const struct va_refund *r, char **say)
{
	struct va_result_rec rec = { 0 };
	char *text;
	int rc;

	json_object_set_new(data, "refund", json_string(r->id));
	json_object_set_new(data, "refund_status", json_string(r->status));
	*say = va_pay_say_refund(r);
	if (call == NULL)
		return 0;
	if ((text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -1;
	rec.tool = (char *)(uintptr_t)"pay";
	rec.op = (char *)(uintptr_t)"refund";
	rec.ok = 1;
	rec.status = (char *)(uintptr_t)"ok";
	rec.data = text;
	rec.say = *say;
	rc = va_callstate_put_result(s->st, call, key, &rec);
	free(text);
	return rc;
}

/*
 * The provider did not answer: keep the refund in the outbox under key
 * (everything needed to send it again, nothing of a card: the action held
 * none) and answer "queued". 0, 1 when this refund was given up before
 * (the outbox keeps one job per key), -1 when it could not be kept.
 */
static int
queue_refund(struct state *s, const char *call, const char *key,
    const struct refund_req *q, struct answer *a)
{
	struct va_outbox_job job;
	json_t *o;
	char *payload;
	int rc;

	o = json_pack("{s:s,s:s?,s:s,s:I,s:s?,s:s?,s:I}", "provider",
	    s->pay.backend, "call", call, "payment", q->payment, "amount",
	    (json_int_t)q->amount, "currency", q->currency, "reason",
	    q->reason, "limit", (json_int_t)s->max_refund);
	payload = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) :
	    NULL;
	json_decref(o);
	rc = payload != NULL ? va_outbox_put(s->st, "refund", key, payload,
	    NULL) : -1;
	free(payload);
	/* Kept before: still waiting, or given up since. */
	if (rc == 0 && va_outbox_get(s->st, "refund", key, &job) == 1) {
		rc = strcmp(job.state, "pending") == 0 ? 1 : 2;
		va_outbox_job_free(&job);
	}
	if (rc != 1)
		return rc == 2 ? 1 : -1;
	a->status = "queued";
	json_object_set_new(a->data, "queued", json_true());
	a->say = va_pay_say_refund_queued(q->amount, q->currency);
	return 0;
}

/* Is the refund under key waiting in the outbox? 1, 0 (or on error). */
static int
queued(struct state *s, const char *key)
{
	struct va_outbox_job job;
	int rc;

	if (va_outbox_get(s->st, "refund", key, &job) != 1)
		return 0;
	rc = strcmp(job.state, "pending") == 0;
	va_outbox_job_free(&job);
	return rc;
}

static void
refund_op(struct state *s, const struct va_event *ev, const char *call,
    const char *key, const json_t *params, struct answer *a)
{
	struct va_refund r;
	struct va_result_rec prev;
	struct refund_req q;
	const char *payment = json_string_value(json_object_get(params,
	    "payment"));
	const char *currency = json_string_value(json_object_get(params,
	    "currency"));
	const char *reason = json_string_value(json_object_get(params,
	    "reason"));
	json_t *amt = json_object_get(params, "amount");
	int64_t amount;
	enum va_pay_rc rc;
	char *money;

	if (payment == NULL || !json_is_integer(amt) ||
	    (amount = json_integer_value(amt)) <= 0 || key == NULL) {
		a->status = "invalid";
		a->say = strdup("I need the payment and the amount to refund.");
		return;
	}
	if (!json_is_true(json_object_get(params, "confirmed"))) {
		a->status = "refused";
		a->say = strdup("I can only make a refund once you have"
		    " confirmed it.");
		return;
	}
	a->data = json_pack("{s:s,s:I,s:s?,s:I}", "payment", payment,
	    "amount", (json_int_t)amount, "currency", currency, "limit",
	    (json_int_t)s->max_refund);
	if (amount > s->max_refund) {
		a->status = "handoff";
		money = va_pay_money(amount, currency);
		if ((a->say = malloc(256)) != NULL)
			snprintf(a->say, 256, "A refund of %s needs a"
			    " colleague's approval; I'll pass your request on.",
			    money ? money : "that size");
		free(money);
		return;
	}
	/* Answered before (a replayed pipeline): say it again, do nothing. */
	if (call != NULL && va_callstate_get_result(s->st, call, key, &prev)
	    == 1) {
		if (strcmp(prev.status, "ok") == 0 && prev.data != NULL) {
			json_decref(a->data);
			a->data = json_loads(prev.data, 0, NULL);
			a->status = "ok";
			a->say = strdup(prev.say ? prev.say : "");
			a->cached = 1;
			va_result_rec_free(&prev);
			return;
		}
		va_result_rec_free(&prev);
	}
	/* Waiting in the outbox: --drain sends it, not a replay. */
	if (queued(s, key)) {
		json_object_set_new(a->data, "queued", json_true());
		a->status = "queued";
		a->say = va_pay_say_refund_queued(amount, currency);
		a->cached = 1;
		return;
	}
	rc = va_pay_refund(&s->pay, payment, amount, currency, reason, key, &r);
	va_killpoint("refunded");
	if (rc == VA_PAY_UNAVAILABLE) {
		q.payment = payment;
		q.amount = amount;
		q.currency = currency;
		q.reason = reason;
		switch (queue_refund(s, call, key, &q, a)) {
		case 0:
			va_log(VA_WARN, "refund_queued", "line %ld: %s; the"
			    " refund waits in the outbox", ev->lineno,
			    s->pay.err);
			return;
		case 1:
			va_log(VA_WARN, "refund_given_up", "line %ld: refund"
			    " %s was given up before; not queued again",
			    ev->lineno, key);
			break;
		default:
			va_log(VA_ERROR, "outbox_failed", "line %ld: the refund"
			    " could not be queued", ev->lineno);
			break;
		}
	}
	if (rc != VA_PAY_OK) {
		failed(s, rc, a, ev);
		return;
	}
	a->status = "ok";
	json_object_set_new(a->data, "refund", json_string(r.id));
	json_object_set_new(a->data, "refund_status", json_string(r.status));
	a->say = va_pay_say_refund(&r);
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct state *s = arg;
	struct answer a = { 0 };
	char *tool = va_event_str(ev, "tool"), *op, *key, *call;
	json_t *params;

	if (tool == NULL || strcmp(tool, "pay") != 0) {
		free(tool);
		va_out_write(ev->line, ev->len);
		va_out_putc('\n');
		return 0;
	}
	free(tool);
	op = va_event_str(ev, "op");
	key = va_event_str(ev, "key");
	call = va_event_str(ev, "call");
	params = va_event_json(ev, "params");
	if (va_nocard_in_event(ev)) {
		va_log(VA_WARN, "card_refused",
		    "line %ld: a card number in a pay action; refused",
		    ev->lineno);
		va_emit_error(ev, "card_data",
		    "a card number was found in the action; nothing was kept");
		a.status = "refused";
		a.say = strdup("For your security, please don't read out card"
		    " numbers; I have not kept it. The order number will do.");
	} else if (s->pay.token == NULL) {
		a.status = "unavailable";
		a.say = strdup("I can't look at payments from here right now."
		    " A colleague can help you with that.");
	} else if (!json_is_object(params)) {
		a.status = "invalid";
		a.say = strdup("Sorry, I didn't get which payment it is.");
	} else if (op != NULL && strcmp(op, "status") == 0)
		status_op(s, ev, params, &a);
	else if (op != NULL && strcmp(op, "refund") == 0)
		refund_op(s, ev, call, key, params, &a);
	else {
		va_log(VA_WARN, "unknown_op", "line %ld: op %s", ev->lineno,
		    op != NULL ? op : "(none)");
		a.status = "invalid";
		a.say = strdup("Sorry, I can't do that with payments.");
	}
	emit(s, ev, call, key, op, &a);
	json_decref(a.data);
	json_decref(params);
	free(a.say);
	free(op);
	free(key);
	free(call);
	return 0;
}

/*
 * --drain: resend one queued refund with its key (the provider answers a
 * resend of one it made with that refund), and record it as answered.
 */
static enum va_outbox_verdict
resend(void *arg, const struct va_outbox_job *job, char *err, size_t len)
{
	struct state *s = arg;
	struct refund_req q;
	struct va_refund r;
	const char *provider, *call;
	enum va_pay_rc rc;
	json_t *o, *data;
	char *say = NULL;
	enum va_outbox_verdict v;

	o = json_loads(job->payload != NULL ? job->payload : "", 0, NULL);
	provider = json_string_value(json_object_get(o, "provider"));
	call = json_string_value(json_object_get(o, "call"));
	q.payment = json_string_value(json_object_get(o, "payment"));
	q.amount = json_integer_value(json_object_get(o, "amount"));
	q.currency = json_string_value(json_object_get(o, "currency"));
	q.reason = json_string_value(json_object_get(o, "reason"));
	if (provider == NULL || q.payment == NULL || q.amount <= 0) {
		va_log(VA_ERROR, "bad_payload", "outbox job %" PRId64 ": not a"
		    " refund", job->id);
		snprintf(err, len, "not a refund");
		json_decref(o);
		return VA_OUTBOX_GIVE_UP;
	}
	if (strcmp(provider, s->pay.backend) != 0) {
		va_log(VA_INFO, "refund_skipped", "refund %s is for %s, left"
		    " to its drain", job->key, provider);
		json_decref(o);
		return VA_OUTBOX_SKIP;
	}
	rc = va_pay_refund(&s->pay, q.payment, q.amount, q.currency, q.reason,
	    job->key, &r);
	va_killpoint("resent");
	switch (rc) {
	case VA_PAY_OK:
		data = json_pack("{s:s,s:I,s:s?,s:O?}", "payment", q.payment,
		    "amount", (json_int_t)q.amount, "currency", q.currency,
		    "limit", json_object_get(o, "limit"));
		if (data == NULL || record_refund(s, call, job->key, data, &r,
		    &say) != 0)
			va_log(VA_WARN, "callstate_failed", "refund %s made,"
			    " not recorded", job->key);
		va_log(VA_INFO, "refund_drained", "refund %s made: %s %s",
		    job->key, r.id, r.status);
		json_decref(data);
		free(say);
		v = VA_OUTBOX_DELIVERED;
		break;
	case VA_PAY_AUTH:
		/* Our configuration: a person fixes it, the job waits. */
		va_log(VA_ERROR, "auth_rejected", "%s rejected the credentials:"
		    " %s", s->pay.backend, s->pay.err);
		/* FALLTHROUGH */
	case VA_PAY_UNAVAILABLE:
		va_log(VA_WARN, "refund_retry", "refund %s: %s", job->key,
		    s->pay.err);
		snprintf(err, len, "%s", s->pay.err);
		v = VA_OUTBOX_RETRY;
		break;
	default:
		/* The provider refused the refund itself: no resend helps. */
		va_log(VA_WARN, "refund_failed", "refund %s: %s (%s)",
		    job->key, s->pay.err, va_pay_rc_name(rc));
		snprintf(err, len, "%s: %s", va_pay_rc_name(rc), s->pay.err);
		v = VA_OUTBOX_GIVE_UP;
		break;
	}
	json_decref(o);
	return v;
}

/* Work the outbox off; prints the tally, returns the exit status. */
static int
drain(struct state *s)
{
	struct va_outbox_tally t;
	int rc;

	rc = va_outbox_drain(s->st, "refund", NULL, 0, resend, s, &t);
	printf("{\"done\":%ld,\"failed\":%ld,\"pending\":%ld}\n", t.done,
	    t.failed, va_outbox_count(s->st, "refund", "pending"));
	return rc == -1 || t.failed > 0 ? 75 : 0;
}

int
main(int argc, char **argv)
{
	static const char *const types[] = { "action", NULL };
	struct va_filter f = { 0 };
	struct state s;
	int first, status;

	memset(&s, 0, sizeof(s));
	first = va_conf_parse(&conf, argc, argv);
	if (first < argc)
		va_die(64, "usage", "va-pay takes no operands");
	s.pay.backend = va_conf_str(&conf, "backend");
	if (strcmp(s.pay.backend, "stripe") != 0 &&
	    strcmp(s.pay.backend, "adyen") != 0)
		va_die(78, "bad_backend", "unknown backend %s (stripe, adyen)",
		    s.pay.backend);
	s.pay.url = va_conf_str(&conf, "url");
	if (s.pay.url == NULL)
		s.pay.url = strcmp(s.pay.backend, "stripe") == 0 ?
		    "https://api.stripe.com" :
		    "https://checkout-test.adyen.com/v71";
	s.pay.token = va_conf_str(&conf, "token");
	s.pay.merchant = va_conf_str(&conf, "merchant");
	s.pay.timeout_ms = (long)va_conf_int(&conf, "timeout-ms");
	s.pay.tries = (int)va_conf_int(&conf, "tries");
	s.pay.budget_ms = (long)va_conf_int(&conf, "budget-ms");
	s.max_refund = va_conf_int(&conf, "max-refund");
	/*
	 * Without a payment provider the pipeline still runs: pay actions
	 * are answered honestly as unavailable, everything else passes.
	 */
	if (s.pay.token == NULL && va_conf_bool(&conf, "drain"))
		va_die(78, "no_token", "--drain needs VA_PAY_TOKEN (or "
		    "VA_PAY_TOKEN_FILE)");
	if (s.pay.token == NULL)
		va_log(VA_WARN, "no_token", "no VA_PAY_TOKEN (or "
		    "VA_PAY_TOKEN_FILE): payment questions will be answered as "
		    "unavailable");
	if (strcmp(s.pay.backend, "adyen") == 0 && s.pay.merchant == NULL)
		va_die(78, "no_merchant", "adyen needs --merchant");
	if ((s.st = va_store_open(va_conf_str(&conf, "db"))) == NULL)
		va_die(73, "store_open", "cannot open the store %s",
		    va_conf_str(&conf, "db"));
	if (va_callstate_init(s.st) != 0 || va_outbox_init(s.st) != 0) {
		va_store_close(s.st);
		va_die(75, "store_init", "cannot prepare the store");
	}
	if ((s.pay.http = va_http_new()) == NULL) {
		va_store_close(s.st);
		va_die(71, "http_init", "cannot start the HTTP client");
	}
	if (va_conf_bool(&conf, "drain"))
		status = drain(&s);
	else {
		f.types = types;
		f.handle = handle;
		f.arg = &s;
		f.strict = conf.strict;
		status = va_filter_run(&f);
	}
	va_http_free(s.pay.http);
	va_store_close(s.st);
	return status;
}
