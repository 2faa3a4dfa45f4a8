/*
 * va-ticket - hand a call to a person: action events asking for a ticket
 * become tickets in the local queue or a vendor's CRM, exactly once, and
 * result events with the ticket's number for the caller.
 *
 * A ticket is first recorded in the store's outbox under the action's key,
 * then delivered (the key is the vendor's idempotency key or external id),
 * then marked done: killed between any two steps, a rerun or
 * `va-ticket flush` (for cron) finishes the job without a second ticket.
 * When the CRM cannot be reached the caller still hears that a colleague
 * will call back ("queued"), and flush delivers later, up to a number of
 * tries after which the job is dead and stays for a person to see.
 * An action holding a card number is refused: nothing of it is stored,
 * sent or logged. `va-ticket list` and `va-ticket show ID` work the local
 * queue from a terminal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstate.h"
#include "clock.h"
#include "conf.h"
#include "crm.h"
#include "event.h"
#include "http.h"
#include "killpoint.h"
#include "log.h"
#include "loop.h"
#include "nocard.h"
#include "out.h"
#include "outbox.h"
#include "store.h"
#include "ticket.h"

static struct va_opt opts[] = {
	{ "db", 0, VA_OPT_STR, "va.db", "FILE",
	  "the sqlite store: outbox, local tickets, call results" },
	{ "backend", 'b', VA_OPT_STR, "local", "NAME",
	  "local, zendesk, salesforce, hubspot or servicenow" },
	{ "url", 0, VA_OPT_STR, NULL, "URL",
	  "the vendor's base URL, e.g. https://acme.zendesk.com" },
	{ "user", 0, VA_OPT_STR, NULL, "NAME",
	  "zendesk agent email, servicenow user, salesforce client id, hubspot portal id" },
	{ "token", 0, VA_OPT_SECRET, NULL, NULL,
	  "the vendor secret: API token, password or client secret" },
	{ "field", 0, VA_OPT_STR, NULL, "NAME",
	  "salesforce external id field (VA_Key__c), hubspot unique property (va_key)" },
	{ "webhook", 0, VA_OPT_SECRET, NULL, NULL,
	  "Slack-compatible incoming webhook URL told of each handoff" },
	{ "timeout-ms", 0, VA_OPT_INT, "4000", "MS",
	  "timeout of one request to the vendor", 100, 120000 },
	{ "tries", 0, VA_OPT_INT, "3", "N",
	  "tries per request (429, 5xx, timeouts are retried)", 1, 10 },
	{ "budget-ms", 0, VA_OPT_INT, "8000", "MS",
	  "time for one delivery, retries included", 100, 600000 },
	{ "max-attempts", 0, VA_OPT_INT, "8", "N",
	  "deliveries tried before a queued ticket is dead", 1, 1000 },
	{ "retry-base-ms", 0, VA_OPT_INT, "30000", "MS",
	  "first wait before a queued ticket is tried again (doubles)", 1,
	  86400000 },
	{ "all", 'a', VA_OPT_BOOL, NULL, NULL,
	  "list: every ticket, not only open ones" },
	{ NULL }
};

static struct va_conf conf = {
	"va-ticket", "[options] [list | show ID | flush]",
	"Turn action events {tool \"ticket\", op \"create\"} into tickets, exactly\n"
	"once, and answer each with a result and a reply. list and show read\n"
	"the local queue; flush delivers queued tickets (run it from cron).",
	opts
};

#define SAY_CALLBACK	"Someone will call you back within one business day."

struct state {
	struct va_store *st;
	struct va_http *http;
	struct va_crm crm;
	struct va_outbox_conf ob;
	const char *webhook;
};

static void
answer(struct state *s, const struct va_event *ev, const char *call,
    const char *key, const char *op, const char *status, json_t *data,
    const char *say, int cached)
{
	struct va_result_rec rec = { 0 };
	char *text = NULL;
	int ok = strcmp(status, "ok") == 0 || strcmp(status, "queued") == 0;

	if (data != NULL)
		text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
	if (call != NULL && key != NULL) {
		rec.tool = (char *)(uintptr_t)"ticket";
		rec.op = (char *)(uintptr_t)(op != NULL ? op : "");
		rec.ok = ok;
		rec.status = (char *)(uintptr_t)status;
		rec.data = text;
		rec.say = (char *)(uintptr_t)say;
		if (va_callstate_put_result(s->st, call, key, &rec) != 0)
			va_log(VA_WARN, "callstate_failed",
			    "line %ld: result not recorded", ev->lineno);
	}
	va_emit_begin("result", ev);
	va_emit_str("tool", "ticket");
	va_emit_str("op", op);
	va_emit_str("key", key);
	va_emit_bool("ok", ok);
	va_emit_str("status", status);
	if (text != NULL)
		va_emit_raw("data", text, strlen(text));
	else
		va_emit_str("data", NULL);
	va_emit_str("say", say);
	va_emit_bool("cached", cached);
	va_emit_str("backend", s->crm.backend);
	va_emit_end(ev);
	if (va_event_bool(ev, "reply", 1)) {
		va_emit_begin("reply", ev);
		va_emit_str("text", say);
		va_emit_end(ev);
	}
	free(text);
}

static json_t *
ref_data(const struct state *s, const struct va_crm_ref *ref,
    const char *key)
{
	json_t *d = json_pack("{s:s,s:s,s:s,s:s}", "id", ref->id, "number",
	    ref->number, "backend", s->crm.backend, "reference", key);

	if (d != NULL && *ref->url != '\0')
		json_object_set_new(d, "url", json_string(ref->url));
	return d;
}

static char *
say_ok(const struct va_crm_ref *ref)
{
	char *spelled = va_ticket_spell(ref->number), *say;
	size_t n;

	if (spelled == NULL)
		return NULL;
	n = strlen(spelled) + 160;
	if ((say = malloc(n)) != NULL)
		snprintf(say, n, "I've passed this to a colleague; your ticket"
		    " number is %s. " SAY_CALLBACK, spelled);
	free(spelled);
	return say;
}

/* Deliver a recorded job; the outbox learns the outcome. */
static enum va_crm_rc
deliver(struct state *s, const struct va_ticket *t, int64_t job,
    struct va_crm_ref *ref)
{
	enum va_crm_rc rc;

	rc = va_crm_deliver(&s->crm, t, ref);
	if (rc == VA_CRM_OK) {
		if (va_outbox_done(s->st, job) != 0)
			va_log(VA_WARN, "outbox_failed",
			    "ticket %s delivered, not marked done", t->key);
		va_killpoint("marked");
		if (s->webhook != NULL)
			va_crm_notify(&s->crm, s->webhook, t, ref);
		return rc;
	}
	va_log(VA_WARN, "ticket_queued", "ticket %s not delivered: %s (%s)",
	    t->key, s->crm.err, va_crm_rc_name(rc));
	if (va_outbox_fail(s->st, job, s->crm.err, &s->ob) != 0)
		va_log(VA_WARN, "outbox_failed", "ticket %s: attempt not"
		    " recorded", t->key);
	return rc;
}

static void
create(struct state *s, const struct va_event *ev, const char *call,
    const char *key)
{
	struct va_ticket t;
	struct va_crm_ref ref;
	char why[160], *payload = NULL, *say;
	json_t *params = va_event_json(ev, "params"), *data;
	int64_t job;
	int cached;

	if (va_ticket_from_params(&t, call, key, params, why,
	    sizeof(why)) != 0) {
		va_log(VA_WARN, "ticket_invalid", "line %ld: %s", ev->lineno,
		    why);
		data = json_pack("{s:s}", "error", why);
		answer(s, ev, call, key, "create", "invalid", data,
		    "Sorry, I could not pass that on to a colleague.", 0);
		json_decref(data);
		json_decref(params);
		return;
	}
	json_decref(params);
	cached = va_crm_sent(&s->crm, t.key, &ref) == 1;
	if ((payload = va_ticket_payload(&t)) == NULL ||
	    va_outbox_put(s->st, "ticket", t.key, payload, &job) < 0) {
		va_emit_error(ev, "store_error",
		    "the ticket could not be recorded");
		answer(s, ev, call, key, "create", "unavailable", NULL,
		    "Sorry, I could not pass that on to a colleague just now.",
		    0);
		goto out;
	}
	va_killpoint("recorded");
	if (deliver(s, &t, job, &ref) == VA_CRM_OK) {
		data = ref_data(s, &ref, t.key);
		say = say_ok(&ref);
		answer(s, ev, call, key, "create", "ok", data, say, cached);
		free(say);
	} else {
		data = json_pack("{s:s,s:s,s:b}", "backend", s->crm.backend,
		    "reference", t.key, "queued", 1);
		answer(s, ev, call, key, "create", "queued", data,
		    "I've passed this to a colleague. " SAY_CALLBACK, 0);
	}
	json_decref(data);
out:
	free(payload);
	va_ticket_free(&t);
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct state *s = arg;
	char *tool = va_event_str(ev, "tool"), *op, *key, *call;

	if (tool == NULL || strcmp(tool, "ticket") != 0) {
		free(tool);
		va_out_write(ev->line, ev->len);
		va_out_putc('\n');
		return 0;
	}
	free(tool);
	op = va_event_str(ev, "op");
	key = va_event_str(ev, "key");
	call = va_event_str(ev, "call");
	if (va_nocard_in_event(ev)) {
		/* Say nothing of what it held: not even in the log. */
		va_log(VA_WARN, "card_refused",
		    "line %ld: a card number in a ticket action; refused",
		    ev->lineno);
		va_emit_error(ev, "card_data",
		    "a card number was found in the action; nothing was kept");
		answer(s, ev, call, key, op, "refused", NULL,
		    "For your security, please don't read out card numbers;"
		    " I have not kept it.", 0);
	} else if (op == NULL || strcmp(op, "create") != 0) {
		va_log(VA_WARN, "unknown_op", "line %ld: op %s", ev->lineno,
		    op != NULL ? op : "(none)");
		answer(s, ev, call, key, op, "invalid", NULL,
		    "Sorry, I could not pass that on to a colleague.", 0);
	} else
		create(s, ev, call, key);
	free(op);
	free(key);
	free(call);
	return 0;
}

/* Deliver every due job; 0 when all went, 75 when some must wait. */
static int
flush(struct state *s)
{
	struct va_outbox_job job;
	struct va_outbox_job after;
	struct va_ticket t;
	struct va_crm_ref ref;
	struct va_result_rec rec = { 0 };
	long delivered = 0, failed = 0, dead = 0, n = 0;
	json_t *data;
	int rc;

	while (n++ < 100000 &&
	    (rc = va_outbox_claim(s->st, "ticket", &s->ob, &job)) == 1) {
		if (va_ticket_from_payload(&t, job.payload) != 0) {
			va_log(VA_ERROR, "bad_payload", "outbox job %" PRId64
			    ": not a ticket", job.id);
			va_outbox_fail(s->st, job.id, "not a ticket", &s->ob);
			failed++;
		} else if (deliver(s, &t, job.id, &ref) == VA_CRM_OK) {
			delivered++;
			/* The call has ended; its record learns the number. */
			data = ref_data(s, &ref, t.key);
			rec.tool = (char *)(uintptr_t)"ticket";
			rec.op = (char *)(uintptr_t)"create";
			rec.ok = 1;
			rec.status = (char *)(uintptr_t)"ok";
			rec.data = json_dumps(data, JSON_COMPACT |
			    JSON_SORT_KEYS);
			rec.say = say_ok(&ref);
			if (*t.call != '\0')
				va_callstate_put_result(s->st, t.call, t.key,
				    &rec);
			free(rec.data);
			free(rec.say);
			json_decref(data);
			va_log(VA_INFO, "ticket_delivered", "ticket %s is %s",
			    t.key, ref.number);
		} else {
			failed++;
			if (va_outbox_get(s->st, "ticket", job.key, &after) ==
			    1) {
				if (strcmp(after.state, "dead") == 0) {
					dead++;
					va_log(VA_ERROR, "ticket_dead",
					    "ticket %s gave up after %d"
					    " attempts: %s", job.key,
					    after.attempts, s->crm.err);
				}
				va_outbox_job_free(&after);
			}
		}
		va_ticket_free(&t);
		va_outbox_job_free(&job);
	}
	printf("{\"delivered\":%ld,\"failed\":%ld,\"dead\":%ld,"
	    "\"pending\":%ld,\"dead_total\":%ld}\n", delivered, failed, dead,
	    va_outbox_count(s->st, "ticket", "pending"),
	    va_outbox_count(s->st, "ticket", "dead"));
	if (rc < 0)
		return 75;
	return failed > 0 ? 75 : 0;
}

int
main(int argc, char **argv)
{
	struct va_filter f = { 0 };
	static const char *const types[] = { "action", NULL };
	struct state s;
	const char *cmd = NULL;
	char *end;
	int first, status = 0;
	int64_t id;

	memset(&s, 0, sizeof(s));
	first = va_conf_parse(&conf, argc, argv);
	if (first < argc)
		cmd = argv[first];
	if (cmd != NULL && strcmp(cmd, "list") != 0 &&
	    strcmp(cmd, "show") != 0 && strcmp(cmd, "flush") != 0)
		va_die(64, "usage", "unknown command %s (list, show ID, flush)",
		    cmd);
	if (cmd != NULL && strcmp(cmd, "show") == 0 && first + 2 != argc)
		va_die(64, "usage", "show wants one ticket number");
	if (cmd != NULL && strcmp(cmd, "show") != 0 && first + 1 != argc)
		va_die(64, "usage", "%s takes no operand", cmd);

	s.crm.backend = va_conf_str(&conf, "backend");
	if (!va_crm_known(s.crm.backend))
		va_die(78, "bad_backend", "unknown backend %s", s.crm.backend);
	s.crm.url = va_conf_str(&conf, "url");
	s.crm.user = va_conf_str(&conf, "user");
	s.crm.token = va_conf_str(&conf, "token");
	s.crm.field = va_conf_str(&conf, "field");
	s.crm.timeout_ms = (long)va_conf_int(&conf, "timeout-ms");
	s.crm.tries = (int)va_conf_int(&conf, "tries");
	s.crm.budget_ms = (long)va_conf_int(&conf, "budget-ms");
	s.webhook = va_conf_str(&conf, "webhook");
	s.ob.max_attempts = (int)va_conf_int(&conf, "max-attempts");
	s.ob.base_ms = va_conf_int(&conf, "retry-base-ms");
	if (strcmp(s.crm.backend, "local") != 0 && s.crm.url == NULL)
		va_die(78, "no_url", "backend %s needs --url", s.crm.backend);
	if (strcmp(s.crm.backend, "local") != 0 && s.crm.token == NULL)
		va_die(78, "no_token", "backend %s needs VA_TICKET_TOKEN"
		    " (or VA_TICKET_TOKEN_FILE)", s.crm.backend);

	if ((s.st = va_store_open(va_conf_str(&conf, "db"))) == NULL)
		va_die(73, "store_open", "cannot open the store %s",
		    va_conf_str(&conf, "db"));
	s.crm.store = s.st;
	if (va_callstate_init(s.st) != 0 || va_outbox_init(s.st) != 0 ||
	    va_crm_init(&s.crm) != 0 || va_crm_local_init(s.st) != 0) {
		va_store_close(s.st);
		va_die(75, "store_init", "cannot prepare the store");
	}
	if (cmd != NULL && strcmp(cmd, "list") == 0) {
		status = va_crm_local_list(s.st, va_conf_bool(&conf, "all")) < 0 ?
		    74 : 0;
		goto out;
	}
	if (cmd != NULL && strcmp(cmd, "show") == 0) {
		id = strtoll(argv[first + 1], &end, 10);
		if (*end != '\0' || end == argv[first + 1]) {
			va_log(VA_ERROR, "usage", "not a ticket number: %s",
			    argv[first + 1]);
			status = 64;
		} else if ((status = va_crm_local_show(s.st, id)) == 0) {
			va_log(VA_ERROR, "no_ticket", "no ticket %" PRId64, id);
			status = 66;
		} else
			status = status < 0 ? 74 : 0;
		goto out;
	}
	if ((s.http = va_http_new()) == NULL) {
		va_store_close(s.st);
		va_die(71, "http_init", "cannot start the HTTP client");
	}
	s.crm.http = s.http;
	if (cmd != NULL)
		status = flush(&s);
	else {
		f.types = types;
		f.handle = handle;
		f.arg = &s;
		f.strict = conf.strict;
		status = va_filter_run(&f);
	}
out:
	va_crm_cleanup(&s.crm);
	va_http_free(s.http);
	va_store_close(s.st);
	return status;
}
