/*
 * va-track - answer "where is my parcel?" from the carriers.
 *
 * Reads va events; each action with tool "track" (op "track", params
 * {number, carrier}) becomes a result carrying the normalised shipment and
 * the sentence for the caller, then (unless the action says reply: false)
 * a reply speaking it. Numbers are checked and their carrier found before
 * anything is sent (lib/tracking.c); answers come from this process's
 * memory, the shared sqlite cache or the carrier (UPS, FedEx, DHL, USPS:
 * lib/carrier_*.c), a stale answer being served while a refresh runs. A
 * carrier that fails gets a graceful answer and a refresh job in the
 * outbox, which `va-track --drain` (from cron) works off; one that keeps
 * failing opens its circuit breaker, and lookups then get that answer at
 * once instead of hammering it. Results are
 * recorded in the store for va-route (lib/callstate.h).
 *
 * With --concurrency N above 1 up to N lookups run at once and answers may
 * come out of order across calls, never within one: a call's later events
 * wait behind its pending action. Other events pass through untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "callq.h"
#include "callstate.h"
#include "clock.h"
#include "conf.h"
#include "event.h"
#include "linein.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "outbox.h"
#include "store.h"
#include "track.h"

static struct va_opt opts[] = {
	{ "db", 0, VA_OPT_STR, "va.db", "PATH",
	  "the sqlite store: caches, tokens, outbox, call results" },
	{ "ups-url", 0, VA_OPT_STR, "https://onlinetools.ups.com", "URL",
	  "UPS API base" },
	{ "ups-client-id", 0, VA_OPT_SECRET, NULL, NULL,
	  "UPS OAuth client id (environment or _FILE)" },
	{ "ups-client-secret", 0, VA_OPT_SECRET, NULL, NULL,
	  "UPS OAuth client secret (environment or _FILE)" },
	{ "ups-rate", 0, VA_OPT_INT, "10", "N",
	  "UPS requests per second at most", 1, 100000 },
	{ "transaction-src", 0, VA_OPT_STR, "va", "NAME",
	  "UPS transactionSrc header" },
	{ "fedex-url", 0, VA_OPT_STR, "https://apis.fedex.com", "URL",
	  "FedEx API base" },
	{ "fedex-client-id", 0, VA_OPT_SECRET, NULL, NULL,
	  "FedEx OAuth client id (environment or _FILE)" },
	{ "fedex-client-secret", 0, VA_OPT_SECRET, NULL, NULL,
	  "FedEx OAuth client secret (environment or _FILE)" },
	{ "fedex-rate", 0, VA_OPT_INT, "100", "N",
	  "FedEx requests per second at most", 1, 100000 },
	{ "dhl-url", 0, VA_OPT_STR, "https://api-eu.dhl.com", "URL",
	  "DHL API base" },
	{ "dhl-api-key", 0, VA_OPT_SECRET, NULL, NULL,
	  "DHL API key (environment or _FILE)" },
	{ "dhl-rate", 0, VA_OPT_INT, "1", "N",
	  "DHL requests per second at most", 1, 100000 },
	{ "usps-url", 0, VA_OPT_STR, "https://apis.usps.com", "URL",
	  "USPS API base" },
	{ "usps-client-id", 0, VA_OPT_SECRET, NULL, NULL,
	  "USPS OAuth client id (environment or _FILE)" },
	{ "usps-client-secret", 0, VA_OPT_SECRET, NULL, NULL,
	  "USPS OAuth client secret (environment or _FILE)" },
	{ "usps-rate", 0, VA_OPT_INT, "10", "N",
	  "USPS requests per second at most", 1, 100000 },
	{ "ttl-ms", 0, VA_OPT_INT, "900000", "MS",
	  "an answer is fresh for MS", 0, 86400000LL * 30 },
	{ "stale-ms", 0, VA_OPT_INT, "86400000", "MS",
	  "an older answer is served, marked stale, while refreshed, for MS",
	  0, 86400000LL * 30 },
	{ "timeout-ms", 0, VA_OPT_INT, "5000", "MS",
	  "per request to a carrier", 1, 600000 },
	{ "budget-ms", 0, VA_OPT_INT, "8000", "MS",
	  "per lookup, retries included", 1, 600000 },
	{ "tries", 0, VA_OPT_INT, "3", "N",
	  "requests per lookup at most", 1, 20 },
	{ "breaker-threshold", 0, VA_OPT_INT, "5", "N",
	  "consecutive failed lookups that open a carrier's breaker", 1,
	  1000 },
	{ "breaker-cooldown-ms", 0, VA_OPT_INT, "30000", "MS",
	  "how long an open breaker fails fast", 1, 86400000 },
	{ "concurrency", 'j', VA_OPT_INT, "1", "N",
	  "lookups in flight at once (answers may then come out of order "
	  "across calls)", 1, 10000 },
	{ "drain", 0, VA_OPT_BOOL, NULL, NULL,
	  "work off the refresh jobs in the outbox, then exit (for cron)" },
	{ NULL }
};

static struct va_conf conf = {
	"va-track", "[options]",
	"Answer track actions (va-events(5)) with the parcel's status from\n"
	"UPS, FedEx, DHL or USPS, cached, rate limited, and retried later\n"
	"from an outbox when a carrier fails. Other events pass through.",
	opts
};

static struct va_store *store;
static struct va_tracker *tracker;
static int concurrency;

/* The answer to one action, owning its strings. */
struct answer {
	struct va_track_answer a;
	char	number[64];
	char	carrier[16];
	char	why[16];
};

static void
keep(struct answer *dst, const struct va_track_answer *a)
{
	dst->a = *a;
	snprintf(dst->number, sizeof(dst->number), "%s",
	    a->number != NULL ? a->number : "");
	snprintf(dst->carrier, sizeof(dst->carrier), "%s",
	    a->carrier != NULL ? a->carrier : "");
	snprintf(dst->why, sizeof(dst->why), "%s", a->why != NULL ? a->why : "");
	dst->a.number = dst->number;
	dst->a.carrier = dst->carrier[0] ? dst->carrier : NULL;
	dst->a.why = dst->why[0] ? dst->why : NULL;
}

static const char *
carrier_said(const char *c)
{
	if (c == NULL)
		return "the carrier";
	if (strcmp(c, "ups") == 0)
		return "UPS";
	if (strcmp(c, "fedex") == 0)
		return "FedEx";
	if (strcmp(c, "usps") == 0)
		return "the Postal Service";
	if (strcmp(c, "dhl") == 0)
		return "DHL";
	return "the carrier";
}

/* The sentence for the caller; new string. */
static char *
say_for(const struct va_track_answer *a, int64_t call_ms)
{
	char buf[512];

	switch (a->status) {
	case VA_TRACK_OK:
		return va_shipment_say(&a->ship, call_ms);
	case VA_TRACK_NOT_FOUND:
		snprintf(buf, sizeof(buf), "%s doesn't have any information "
		    "on that tracking number yet. New labels can take a day "
		    "to show up, so I'll keep checking.", carrier_said(a->carrier));
		buf[0] = (char)(buf[0] == 't' ? 'T' : buf[0]);
		break;
	case VA_TRACK_INVALID:
		snprintf(buf, sizeof(buf), "That doesn't look like a valid "
		    "tracking number. Could you read it to me again?");
		break;
	default:
		if (a->why != NULL && (strcmp(a->why, "auth") == 0 ||
		    strcmp(a->why, "unconfigured") == 0))
			snprintf(buf, sizeof(buf), "I can't look up %s "
			    "tracking right now. I'm sorry about that.",
			    carrier_said(a->carrier));
		else
			snprintf(buf, sizeof(buf), "The %s tracking system "
			    "isn't answering right now. I've noted the number "
			    "and will check again shortly.",
			    a->carrier != NULL && strcmp(a->carrier, "usps") == 0 ?
			    "Postal Service" : carrier_said(a->carrier));
		break;
	}
	return strdup(buf);
}

static void
record(const struct va_event *ev, const struct va_track_answer *a,
    char *data, char *say)
{
	struct va_result_rec rec;
	char *call, *key, tool[] = "track", op[] = "track", status[16];

	call = va_event_str(ev, "call");
	key = va_event_str(ev, "key");
	if (call != NULL && key != NULL) {
		va_track_txn(tracker);
		memset(&rec, 0, sizeof(rec));
		snprintf(status, sizeof(status), "%s",
		    va_track_status_name(a->status));
		rec.tool = tool;
		rec.op = op;
		rec.ok = a->status == VA_TRACK_OK;
		rec.status = status;
		rec.data = data;
		rec.say = say;
		rec.at = va_clock_ms();
		if (va_callstate_put_result(store, call, key, &rec) == -1)
			va_log(VA_WARN, "callstate", "cannot record the result "
			    "of %s", key);
	}
	free(call);
	free(key);
}

/*
 * What this stage added: the time since the action was read, less the
 * time its requests took at the carrier (0 under a fixed clock).
 */
static int64_t
proc_ms(const struct va_track_answer *a, int64_t start_us)
{
	int64_t ms;

	if (va_clock_fixed())
		return 0;
	ms = (va_mono_us() - start_us) / 1000 - a->backend_ms;
	return ms > 0 ? ms : 0;
}

/* Write the result (and the reply) answering the action ev. */
static void
emit(const struct va_event *ev, const struct va_track_answer *a,
    int64_t start_us)
{
	json_t *data = NULL;
	char *say, *datas = NULL, *key;
	int64_t call_ms;

	if (va_event_int(ev, "at", &call_ms) == -1)
		call_ms = va_clock_ms();
	say = say_for(a, call_ms);
	if (a->status == VA_TRACK_OK && (data = va_shipment_json(&a->ship))) {
		if (a->stale)
			json_object_set_new(data, "stale", json_true());
		datas = json_dumps(data, JSON_COMPACT);
	} else if (a->status != VA_TRACK_OK) {
		data = json_pack("{s:s, s:s?, s:b}", "number", a->number ?
		    a->number : "", "carrier", a->carrier, "queued",
		    a->queued);
		if (data != NULL && a->why != NULL)
			json_object_set_new(data, "why", json_string(a->why));
		if (data != NULL)
			datas = json_dumps(data, JSON_COMPACT);
	}
	va_emit_begin("result", ev);
	va_emit_str("tool", "track");
	va_emit_str("op", "track");
	key = va_event_str(ev, "key");
	va_emit_str("key", key);
	va_emit_bool("ok", a->status == VA_TRACK_OK);
	va_emit_str("status", va_track_status_name(a->status));
	if (datas != NULL)
		va_emit_raw("data", datas, strlen(datas));
	else
		va_emit_raw("data", "null", 4);
	va_emit_str("say", say != NULL ? say : "");
	va_emit_bool("cached", a->cached);
	va_emit_str("backend", a->carrier);
	va_emit_int("proc_ms", proc_ms(a, start_us));
	va_emit_end(ev);
	record(ev, a, datas, say);
	if (va_event_bool(ev, "reply", 1)) {
		va_emit_begin("reply", ev);
		va_emit_str("text", say != NULL ? say : "");
		va_emit_str("expect", a->status == VA_TRACK_INVALID ?
		    "tracking_number" : NULL);
		va_emit_bool("final", 0);
		va_emit_end(ev);
	}
	free(key);
	free(say);
	free(datas);
	json_decref(data);
}

/*
 * Is ev a track action? 1 and *number, *carrier (new) set; 0 when it is
 * some other event; -1 when it is a track action that cannot be answered
 * (an error event is written).
 */
static int
track_action(const struct va_event *ev, char **number, char **carrier)
{
	char *tool, *op;
	json_t *p;
	const char *n, *c;
	int rc = 1;

	*number = *carrier = NULL;
	if (!va_event_is(ev, "action"))
		return 0;
	tool = va_event_str(ev, "tool");
	if (tool == NULL || strcmp(tool, "track") != 0) {
		free(tool);
		return 0;
	}
	free(tool);
	op = va_event_str(ev, "op");
	p = va_event_json(ev, "params");
	n = json_string_value(json_object_get(p, "number"));
	c = json_string_value(json_object_get(p, "carrier"));
	if (op != NULL && strcmp(op, "track") != 0) {
		va_emit_error(ev, "bad_op", "track has no operation \"%s\"", op);
		rc = -1;
	} else if (n == NULL) {
		va_emit_error(ev, "bad_params",
		    "a track action needs params.number");
		rc = -1;
	} else {
		*number = strdup(n);
		*carrier = c != NULL ? strdup(c) : NULL;
	}
	free(op);
	json_decref(p);
	return rc;
}

/* One lookup at a time: the shared filter loop. */

static void
on_answer(void *arg, const struct va_track_answer *a)
{
	struct answer *ans = arg;

	keep(ans, a);
	ans->a.stale = a->stale;
}

static int
handle(const struct va_event *ev, void *arg)
{
	struct answer ans;
	char *number, *carrier;
	int64_t t0 = va_mono_us();
	int r;

	if ((r = track_action(ev, &number, &carrier)) <= 0) {
		if (r == 0)
			va_event_pass(ev);
		return 0;
	}
	memset(&ans, 0, sizeof(ans));
	ans.a.status = (enum va_track_status)-1;
	if (va_track_lookup(tracker, number, carrier, 0, on_answer,
	    &ans) == -1)
		va_die(71, "out_of_memory", "out of memory");
	while ((int)ans.a.status == -1)
		va_track_run(tracker, -1, 1000);
	emit(ev, &ans.a, t0);
	free(number);
	free(carrier);
	/* The caller has the answer; refreshes behind it may run now. */
	va_out_flush();
	va_track_run(tracker, -1, 0);
	return 0;
}

static int
finish_all(void *arg)
{
	while (va_track_pending(tracker) > 0)
		va_track_run(tracker, -1, 1000);
	return 0;
}

/* Many lookups at once (see run_concurrent). */

struct item {
	char	*line;
	size_t	 len;
	long	 lineno;
	int64_t	 read_us;
	int	 action;	/* a track action */
	int	 started, done;
	struct answer ans;
	struct va_callq_call *q;
};

static struct va_callq *calls;	/* calls with events held */

static void
on_item(void *arg, const struct va_track_answer *a)
{
	struct item *it = arg;

	keep(&it->ans, a);
	it->done = 1;
	va_callq_advance(it->q);
}

/* Start the lookup of the action at the head; 0, or -1 if none started. */
static int
start(struct item *it)
{
	struct va_event ev;
	const char *why;
	char *number, *carrier;
	int r;

	memset(&ev, 0, sizeof(ev));
	it->started = 1;
	if (va_event_parse(&ev, it->line, it->len, &why) == -1) {
		va_jscan_free(&ev.js);
		return -1;
	}
	ev.lineno = it->lineno;
	r = track_action(&ev, &number, &carrier);
	va_jscan_free(&ev.js);
	if (r <= 0)
		return -1;	/* the error event is written */
	if (va_track_lookup(tracker, number, carrier, 0, on_item, it) == -1)
		va_die(71, "out_of_memory", "out of memory");
	free(number);
	free(carrier);
	return 0;
}

static void
answer_item(struct item *it)
{
	struct va_event ev;
	const char *why;

	memset(&ev, 0, sizeof(ev));
	if (va_event_parse(&ev, it->line, it->len, &why) == 0) {
		ev.lineno = it->lineno;
		emit(&ev, &it->ans.a, it->read_us);
	}
	va_jscan_free(&ev.js);
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
		if (!it->started && start(it) == -1)
			it->done = 2;	/* answered by an error */
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

	free(it->line);
	free(it);
}

/* One input line, the lineno-th; -1 when it is bad. */
static int
one_line(const char *line, size_t len, long lineno)
{
	struct va_event ev;
	struct va_callq_call *q;
	struct item *it;
	const char *why;
	char *call, *number = NULL, *carrier = NULL;
	int action = 0;

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
	if (va_event_is(&ev, "action")) {
		char *tool = va_event_str(&ev, "tool");

		action = tool != NULL && strcmp(tool, "track") == 0;
		free(tool);
	}
	if (q == NULL && !action) {
		va_out_write(line, len);
		va_out_putc('\n');
	} else if (q == NULL && action &&
	    track_action(&ev, &number, &carrier) == -1) {
		/* Answered in band already. */
	} else {
		if (q == NULL) {
			free(number);
			free(carrier);
		}
		if ((it = calloc(1, sizeof(*it))) == NULL ||
		    (it->line = malloc(len)) == NULL)
			va_die(71, "out_of_memory", "out of memory");
		memcpy(it->line, line, len);
		it->len = len;
		it->lineno = lineno;
		it->read_us = va_mono_us();
		it->action = action;
		if ((it->q = va_callq_get(calls, call)) == NULL ||
		    va_callq_push(it->q, it) == -1)
			va_die(71, "out_of_memory", "out of memory");
	}
	free(call);
	va_jscan_free(&ev.js);
	return 0;
}

/*
 * Many lookups at once: a poll loop over standard input and the
 * transfers. A call's events wait in its queue behind its pending action
 * (lib/callq.h), so a call keeps its order and other calls go on.
 */
static int
run_concurrent(void)
{
	struct va_linein in;
	const char *line;
	size_t n;
	int r, eof = 0, status = 0, ready;

	if ((calls = va_callq_new(step, release, NULL)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	va_linein_init(&in, 0, 0);
	va_signals_init();
	va_track_batch(tracker, 1);
	while (!eof || va_track_pending(tracker) > 0 ||
	    va_callq_count(calls) > 0) {
		va_out_flush();
		if (va_stop_requested())
			break;
		if (!eof && va_track_waiting(tracker) < concurrency)
			ready = va_track_run(tracker, 0, 1000);
		else
			ready = (va_track_run(tracker, -1, 1000), 0);
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
		va_track_commit(tracker);
	}
	va_track_commit(tracker);
	va_out_flush();
	va_linein_free(&in);
	va_callq_free(calls);
	return status;
}

static void
carrier_conf(struct va_track_conf *c, enum va_carrier k, const char *name)
{
	char o[64];
	struct va_carrier_conf *cc = &c->carrier[k];

	snprintf(o, sizeof(o), "%s-url", name);
	cc->url = va_conf_str(&conf, o);
	snprintf(o, sizeof(o), "%s-rate", name);
	c->rate[k] = (double)va_conf_int(&conf, o);
	c->burst[k] = c->rate[k];
	cc->source = va_conf_str(&conf, "transaction-src");
	if (k == VA_CARRIER_DHL) {
		cc->api_key = va_conf_str(&conf, "dhl-api-key");
		c->enabled[k] = cc->api_key != NULL && cc->api_key[0] != '\0';
		return;
	}
	snprintf(o, sizeof(o), "%s-client-id", name);
	cc->client_id = va_conf_str(&conf, o);
	snprintf(o, sizeof(o), "%s-client-secret", name);
	cc->client_secret = va_conf_str(&conf, o);
	c->enabled[k] = cc->client_id != NULL && cc->client_id[0] != '\0' &&
	    cc->client_secret != NULL && cc->client_secret[0] != '\0';
}

int
main(int argc, char **argv)
{
	struct va_filter f = { 0 };
	struct va_track_conf tc;
	static const char *const types[] = { "action", NULL };
	long done = 0, failed = 0, backlog;
	int status;

	va_conf_parse(&conf, argc, argv);
	memset(&tc, 0, sizeof(tc));
	carrier_conf(&tc, VA_CARRIER_UPS, "ups");
	carrier_conf(&tc, VA_CARRIER_FEDEX, "fedex");
	carrier_conf(&tc, VA_CARRIER_DHL, "dhl");
	carrier_conf(&tc, VA_CARRIER_USPS, "usps");
	tc.timeout_ms = (long)va_conf_int(&conf, "timeout-ms");
	tc.connect_timeout_ms = tc.timeout_ms < 3000 ? tc.timeout_ms : 3000;
	tc.budget_ms = (long)va_conf_int(&conf, "budget-ms");
	tc.max_tries = (int)va_conf_int(&conf, "tries");
	tc.ttl_ms = va_conf_int(&conf, "ttl-ms");
	tc.stale_ms = va_conf_int(&conf, "stale-ms");
	tc.breaker.threshold = (int)va_conf_int(&conf, "breaker-threshold");
	tc.breaker.cooldown_ms = va_conf_int(&conf, "breaker-cooldown-ms");
	concurrency = (int)va_conf_int(&conf, "concurrency");

	if ((store = va_store_open(va_conf_str(&conf, "db"))) == NULL)
		va_die(73, "store_open", "cannot open the store %s",
		    va_conf_str(&conf, "db"));
	if (va_callstate_init(store) == -1 ||
	    (tracker = va_track_new(store, &tc)) == NULL) {
		va_store_close(store);
		va_die(73, "store_open", "cannot set up the store");
	}

	if (va_conf_bool(&conf, "drain")) {
		status = va_track_drain(tracker, 0, &done, &failed) == -1 ? 75 : 0;
		backlog = va_outbox_count(store, "track", "pending");
		printf("{\"done\":%ld,\"failed\":%ld,\"pending\":%ld}\n", done,
		    failed, backlog);
		if (status == 0 && failed > 0)
			status = 75;
	} else if (concurrency > 1) {
		status = run_concurrent();
	} else {
		f.types = types;
		f.handle = handle;
		f.finish = finish_all;
		f.strict = conf.strict;
		status = va_filter_run(&f);
	}
	va_track_free(tracker);
	va_store_close(store);
	return status;
}
