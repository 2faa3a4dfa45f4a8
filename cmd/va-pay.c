/*
 * va-pay - answer questions about payments and make refunds, at Stripe or
 * Adyen, for action events {tool "pay"}.
 *
 * op "status" looks a payment up (by payment id, or by order with Stripe)
 * and explains it in words a caller may hear, a declined card with the
 * bank's reason put kindly. op "refund" refunds only after the dialogue's
 * confirmation (params.confirmed true) and only up to --max-refund; above
 * it the answer is "handoff", for a person to approve. The action's key is
 * the Idempotency-Key, so a retried or replayed pipeline refunds once. An
 * action holding a card number is refused: nothing of it is sent, stored or
 * logged.
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
#include "pay.h"
#include "store.h"

static struct va_opt opts[] = {
	{ "db", 0, VA_OPT_STR, "va.db", "FILE",
	  "the sqlite store where results are recorded" },
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
	{ NULL }
};

static struct va_conf conf = {
	"va-pay", "[options]",
	"Answer action events {tool \"pay\"}: op status explains a payment,\n"
	"op refund refunds once, after confirmation and up to a limit.",
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
	int ok = strcmp(a->status, "ok") == 0;

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

static void
refund_op(struct state *s, const struct va_event *ev, const char *call,
    const char *key, const json_t *params, struct answer *a)
{
	struct va_refund r;
	struct va_result_rec prev;
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
	rc = strcmp(s->pay.backend, "stripe") == 0 ?
	    va_pay_stripe_refund(&s->pay, payment, amount, reason, key, &r) :
	    va_pay_adyen_refund(&s->pay, payment, amount, currency, reason,
	    key, &r);
	va_killpoint("refunded");
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
	if (s.pay.token == NULL)
		va_log(VA_WARN, "no_token", "no VA_PAY_TOKEN (or "
		    "VA_PAY_TOKEN_FILE): payment questions will be answered as "
		    "unavailable");
	if (strcmp(s.pay.backend, "adyen") == 0 && s.pay.merchant == NULL)
		va_die(78, "no_merchant", "adyen needs --merchant");
	if ((s.st = va_store_open(va_conf_str(&conf, "db"))) == NULL)
		va_die(73, "store_open", "cannot open the store %s",
		    va_conf_str(&conf, "db"));
	if (va_callstate_init(s.st) != 0) {
		va_store_close(s.st);
		va_die(75, "store_init", "cannot prepare the store");
	}
	if ((s.pay.http = va_http_new()) == NULL) {
		va_store_close(s.st);
		va_die(71, "http_init", "cannot start the HTTP client");
	}
	f.types = types;
	f.handle = handle;
	f.arg = &s;
	f.strict = conf.strict;
	status = va_filter_run(&f);
	va_http_free(s.pay.http);
	va_store_close(s.st);
	return status;
}
