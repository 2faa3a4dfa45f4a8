/*
 * t_outbox.c - unit tests for lib/outbox.c: idempotent put, claim order,
 * leases, the backoff schedule, dead jobs, counts, a worker killed with -9
 * after claiming, three processes draining one outbox, and
 * va_outbox_drain()/va_outbox_give_up(): verdicts, tally, max, reports.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "tap.h"

#define T0	1700000000000LL
#define NWORKER	3
#define NJOBS	300

static char dir[] = "/tmp/t_outbox.XXXXXX";

static const char *
dbpath(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static struct va_store *
open_db(const char *name)
{
	struct va_store *s;

	if ((s = va_store_open(dbpath(name))) != NULL &&
	    va_outbox_init(s) == -1) {
		va_store_close(s);
		s = NULL;
	}
	return s;
}

static int64_t
query_int(struct va_store *s, const char *sql)
{
	struct va_stmt *st;
	int64_t v = -1;

	if ((st = va_store_prepare(s, sql)) != NULL && va_stmt_step(st) == 1)
		v = va_stmt_int(st, 0);
	va_stmt_finalize(st);
	return v;
}

/* Claim and return the job's key ("(none)" or "(error)"), then free it. */
static const char *
claim_key(struct va_store *s, const char *kind,
    const struct va_outbox_conf *c, int64_t *id)
{
	static char buf[64];
	struct va_outbox_job job;
	int rc;

	if ((rc = va_outbox_claim(s, kind, c, &job)) != 1)
		return rc == 0 ? "(none)" : "(error)";
	snprintf(buf, sizeof(buf), "%s", job.key);
	if (id != NULL)
		*id = job.id;
	va_outbox_job_free(&job);
	return buf;
}

static void
test_put(struct va_store *s)
{
	struct va_outbox_job job;
	int64_t id1 = 0, id2 = 0, id3 = 0;

	va_clock_set_fixed(T0);
	is_int(va_outbox_put(s, "ticket", "call-1", "{\"n\":1}", &id1), 1,
	    "put adds");
	ok(id1 > 0, "with an id");
	is_int(va_outbox_put(s, "ticket", "call-1", "{\"n\":2}", &id2), 0,
	    "the same kind and key again adds nothing");
	is_int(id2, id1, "and gives the existing id");
	is_int(va_outbox_put(s, "track", "call-1", "{}", &id3), 1,
	    "the same key of another kind is another job");
	ok(id3 != id1, "with its own id");
	is_int(va_outbox_put(s, "ticket", "call-2", NULL, NULL), 1,
	    "put without payload or id pointer");
	is_int(va_outbox_count(s, NULL, NULL), 3, "3 jobs");
	is_int(va_outbox_count(s, "ticket", NULL), 2, "2 tickets");
	is_int(va_outbox_count(s, "ticket", "pending"), 2, "both pending");
	is_int(va_outbox_count(s, NULL, "done"), 0, "none done");

	is_int(va_outbox_get(s, "ticket", "call-1", &job), 1, "get");
	is_int(job.id, id1, "id");
	is_str(job.kind, "ticket", "kind");
	is_str(job.key, "call-1", "key");
	is_str(job.payload, "{\"n\":1}", "the first payload kept");
	is_str(job.state, "pending", "state");
	is_int(job.attempts, 0, "no attempts");
	is_int(job.next_at, T0, "due at once");
	ok(job.last_error == NULL, "no error");
	va_outbox_job_free(&job);
	va_outbox_job_free(&job);
	ok(job.key == NULL, "job_free clears, twice is harmless");
	is_int(va_outbox_get(s, "ticket", "call-9", &job), 0, "get absent");
	ok(job.key == NULL, "absent leaves the job empty");
	is_int(va_outbox_get(s, "ticket", "call-2", &job), 1, "get call-2");
	ok(job.payload == NULL, "NULL payload stays NULL");
	va_outbox_job_free(&job);
	va_store_exec(s, "DELETE FROM outbox");
}

static void
test_order_lease(struct va_store *s)
{
	static const struct va_outbox_conf c = { 0, 0, 0, 5000 };
	int64_t id;

	va_clock_set_fixed(T0);
	va_outbox_put(s, "ticket", "a", "{}", NULL);
	va_clock_set_fixed(T0 + 1);
	va_outbox_put(s, "track", "b", "{}", NULL);
	va_outbox_put(s, "ticket", "c", "{}", NULL);
	va_clock_set_fixed(T0 + 10);
	is_str(claim_key(s, NULL, &c, NULL), "a", "the oldest first");
	is_str(claim_key(s, NULL, &c, NULL), "b", "then the next");
	is_str(claim_key(s, "ticket", &c, &id), "c", "by kind");
	is_str(claim_key(s, NULL, &c, NULL), "(none)",
	    "claimed jobs are not claimed again");
	va_clock_set_fixed(T0 + 10 + 4999);
	is_str(claim_key(s, NULL, &c, NULL), "(none)",
	    "not while the lease runs");
	va_clock_set_fixed(T0 + 10 + 5000);
	is_str(claim_key(s, "ticket", &c, NULL), "a",
	    "again when the lease has run out");
	is_int(va_outbox_done(s, id), 0, "c done");
	is_str(claim_key(s, NULL, &c, NULL), "b", "b again");
	is_str(claim_key(s, NULL, &c, NULL), "(none)",
	    "a done job is never claimed again");
	va_clock_set_fixed(T0 + 100000);
	is_str(claim_key(s, "nothing", &c, NULL), "(none)",
	    "no job of that kind");
	is_int(va_outbox_count(s, NULL, "done"), 1, "one done");
	is_int(va_outbox_done(s, id), 0, "done twice is harmless");
	is_int(query_int(s, "SELECT count(*) FROM outbox WHERE key = 'c'"
	    " AND done_at = 1700000005010 AND lease_until = 0"), 1,
	    "done_at set, lease cleared");
	va_store_exec(s, "DELETE FROM outbox");
}

static void
test_backoff(struct va_store *s)
{
	static const struct va_outbox_conf c = { 5, 1000, 5000, 60000 };
	static const int64_t wait[] = { 1000, 2000, 4000, 5000 };
	struct va_outbox_job job;
	int64_t id, t = T0;
	int i, good = 1;

	va_clock_set_fixed(t);
	va_outbox_put(s, "crm", "k1", "{}", &id);
	for (i = 0; i < 4; i++) {
		if (strcmp(claim_key(s, NULL, &c, NULL), "k1") != 0)
			good = 0;
		va_outbox_fail(s, id, "HTTP 503", &c);
		va_outbox_get(s, "crm", "k1", &job);
		if (job.attempts != i + 1 || job.next_at != t + wait[i] ||
		    strcmp(job.state, "pending") != 0)
			good = 0;
		printf("# attempt %d failed: next in %lld ms\n", i + 1,
		    (long long)(job.next_at - t));
		va_outbox_job_free(&job);
		/* Not before the backoff, though no lease holds it. */
		va_clock_set_fixed(t + wait[i] - 1);
		if (strcmp(claim_key(s, NULL, &c, NULL), "(none)") != 0)
			good = 0;
		t += wait[i];
		va_clock_set_fixed(t);
	}
	ok(good, "backoff 1 s, 2 s, 4 s, then capped at 5 s; nothing early");
	is_str(claim_key(s, NULL, &c, NULL), "k1", "the 5th attempt");
	is_int(va_outbox_fail(s, id, "HTTP 500", &c), 0, "fails too");
	is_int(va_outbox_get(s, "crm", "k1", &job), 1, "get");
	is_str(job.state, "dead", "dead after max_attempts");
	is_int(job.attempts, 5, "5 attempts");
	is_str(job.last_error, "HTTP 500", "last error kept");
	va_outbox_job_free(&job);
	va_clock_set_fixed(t + 86400000);
	is_str(claim_key(s, NULL, &c, NULL), "(none)", "dead is never claimed");
	is_int(va_outbox_fail(s, id, "late", &c), 0, "a late fail: no-op");
	is_int(va_outbox_done(s, id), 0, "a late done: no-op");
	is_int(va_outbox_count(s, "crm", "dead"), 1, "stays dead to be seen");
	va_outbox_get(s, "crm", "k1", &job);
	ok(job.attempts == 5 && strcmp(job.last_error, "HTTP 500") == 0,
	    "untouched by late reports");
	va_outbox_job_free(&job);

	/* Defaults: 8 attempts, 30 s doubling to at most an hour. */
	va_outbox_put(s, "crm", "k2", "{}", &id);
	t = va_clock_ms();
	claim_key(s, NULL, NULL, NULL);
	va_outbox_fail(s, id, NULL, NULL);
	va_outbox_get(s, "crm", "k2", &job);
	is_int(job.next_at - t, 30000, "default base 30 s");
	ok(job.last_error == NULL, "NULL error kept NULL");
	va_outbox_job_free(&job);
	for (i = 2; i <= 8; i++) {
		va_store_exec(s, "UPDATE outbox SET next_at = 0"
		    " WHERE key = 'k2'");
		claim_key(s, NULL, NULL, NULL);
		va_outbox_fail(s, id, "x", NULL);
		va_outbox_get(s, "crm", "k2", &job);
		if (i == 7)
			is_int(job.next_at - t, 1920000,
			    "7th failure: 30 s * 2^6");
		if (i == 8)
			is_str(job.state, "dead", "dead after 8 by default");
		va_outbox_job_free(&job);
	}
	va_store_exec(s, "DELETE FROM outbox");
}

/*
 * A deliver callback that answers by the job's key: its first letter is
 * the verdict (d delivered, r retry, g give up, s skip, t skip a job whose
 * lease another worker then takes); "r-quiet" gives no reason. It logs the keys it is handed, in order.
 */
struct script {
	char	 seen[256];
	int	 calls;
	int	 reports;
	char	 reported[256];
	struct va_store *st;
	int	 recorded;	/* each report found the outcome stored */
	int	 rc;		/* what the drain returned */
};

static enum va_outbox_verdict
scripted(void *arg, const struct va_outbox_job *job, char *err, size_t len)
{
	struct script *sc = arg;
	size_t n = strlen(sc->seen);
	char sql[128];

	sc->calls++;
	snprintf(sc->seen + n, sizeof(sc->seen) - n, "%s%s", n ? " " : "",
	    job->key);
	switch (job->key[0]) {
	case 'd':
		return VA_OUTBOX_DELIVERED;
	case 'g':
		snprintf(err, len, "refused: %s", job->payload);
		return VA_OUTBOX_GIVE_UP;
	case 's':
		return VA_OUTBOX_SKIP;
	case 't':
		/* Skipped, and meanwhile another worker has the lease. */
		snprintf(sql, sizeof(sql), "UPDATE outbox SET lease_until ="
		    " lease_until + 5 WHERE id = %lld", (long long)job->id);
		va_store_exec(sc->st, sql);
		return VA_OUTBOX_SKIP;
	default:
		if (strcmp(job->key, "r-quiet") != 0)
			snprintf(err, len, "HTTP 503");
		return VA_OUTBOX_RETRY;
	}
}

/* Reports "key:verdict:error:dead", and checks the outbox has it. */
static void
reported(void *arg, const struct va_outbox_job *job, enum va_outbox_verdict v,
    const char *error, int dead)
{
	static const char *const vn[] = { "delivered", "retry", "give_up",
	    "skip" };
	struct script *sc = arg;
	struct va_outbox_job now;
	size_t n = strlen(sc->reported);
	const char *want;

	sc->reports++;
	snprintf(sc->reported + n, sizeof(sc->reported) - n, "%s%s:%s:%s:%d",
	    n ? " " : "", job->key, vn[v], error != NULL ? error : "-", dead);
	want = v == VA_OUTBOX_DELIVERED ? "done" : dead ? "dead" : "pending";
	if (va_outbox_get(sc->st, job->kind, job->key, &now) != 1 ||
	    strcmp(now.state, want) != 0 || (v != VA_OUTBOX_SKIP &&
	    v != VA_OUTBOX_DELIVERED && (now.last_error == NULL ||
	    error == NULL || strcmp(now.last_error, error) != 0)))
		sc->recorded = 0;
	va_outbox_job_free(&now);
}

static void
script_reset(struct script *sc, struct va_store *st)
{
	memset(sc, 0, sizeof(*sc));
	sc->st = st;
	sc->recorded = 1;
}

/*
 * At time at, drain kind with scripted (sc afresh); the tally as "done
 * failed dead skipped", the return value in sc->rc.
 */
static const char *
drain_at(struct script *sc, int64_t at, const char *kind,
    const struct va_outbox_conf *c, long max)
{
	static char buf[64];
	struct va_outbox_tally t;

	va_clock_set_fixed(at);
	script_reset(sc, sc->st);
	/* Garbage in: the tally must be zeroed by the drain. */
	memset(&t, 0x5a, sizeof(t));
	sc->rc = va_outbox_drain(sc->st, kind, c, max, scripted, sc, &t);
	snprintf(buf, sizeof(buf), "%ld %ld %ld %ld", t.done, t.failed,
	    t.dead, t.skipped);
	return buf;
}

/* A job's state, attempts, next_at - T0, last error, lease - T0. */
static const char *
job_line(struct va_store *s, const char *kind, const char *key)
{
	static char buf[256];
	struct va_stmt *st;

	snprintf(buf, sizeof(buf), "(missing)");
	st = va_store_prepare(s, "SELECT state, attempts, next_at - ?1,"
	    " coalesce(last_error, '-'), max(lease_until - ?1, 0)"
	    " FROM outbox WHERE kind = ?2 AND key = ?3");
	if (st != NULL && va_stmt_bind_int(st, 1, T0) == 0 &&
	    va_stmt_bind_text(st, 2, kind) == 0 &&
	    va_stmt_bind_text(st, 3, key) == 0 && va_stmt_step(st) == 1)
		snprintf(buf, sizeof(buf), "%s %lld %lld %s %lld",
		    va_stmt_text(st, 0), (long long)va_stmt_int(st, 1),
		    (long long)va_stmt_int(st, 2), va_stmt_text(st, 3),
		    (long long)va_stmt_int(st, 4));
	va_stmt_finalize(st);
	return buf;
}

/* 3 tries, backoff 1 s doubling up to 1.5 s, leases of a minute. */
static const struct va_outbox_conf drain_conf = { 3, 1000, 1500, 60000 };

static void
test_drain_verdicts(struct va_store *s)
{
	const struct va_outbox_conf c = drain_conf;
	struct script sc;

	script_reset(&sc, s);
	va_clock_set_fixed(T0);
	va_outbox_put(s, "pay", "d-1", "{}", NULL);
	va_outbox_put(s, "pay", "r-1", "{}", NULL);
	va_outbox_put(s, "pay", "g-1", "card_declined", NULL);
	va_outbox_put(s, "pay", "s-1", "{}", NULL);
	va_outbox_put(s, "pay", "r-quiet", "{}", NULL);
	va_outbox_put(s, "other", "d-2", "{}", NULL);
	is_str(drain_at(&sc, T0, "pay", &c, 0), "1 3 1 1",
	    "drain: 1 done, 3 failed (1 of them dead), 1 skipped");
	is_int(sc.rc, 0, "drain returns 0");
	is_int(sc.calls, 5, "each due job of the kind handed over once");
	is_str(sc.seen, "d-1 r-1 g-1 s-1 r-quiet", "in the order claimed");
	is_str(job_line(s, "pay", "d-1"), "done 0 0 - 0", "delivered: done");
	is_int(query_int(s, "SELECT done_at FROM outbox WHERE key = 'd-1'"),
	    T0, "done_at from the clock");
	is_str(job_line(s, "pay", "r-1"), "pending 1 1000 HTTP 503 0",
	    "retry: pending, 1 attempt, due after base_ms, error kept");
	is_str(job_line(s, "pay", "g-1"),
	    "dead 1 0 refused: card_declined 0",
	    "give up: dead at once, attempt counted, error kept");
	is_str(job_line(s, "pay", "s-1"), "pending 0 0 - 0",
	    "skip: left pending, untouched, its lease given back");
	is_str(job_line(s, "pay", "r-quiet"), "pending 1 1000 not delivered 0",
	    "a retry without a reason is kept as \"not delivered\"");
	is_str(job_line(s, "other", "d-2"), "pending 0 0 - 0",
	    "a job of another kind is untouched");

	/* The backoff is not due: the same run, or an early one, ends. */
	is_str(drain_at(&sc, T0 + 999, "pay", &c, 0), "0 0 0 1",
	    "before the backoff only the skipped job is due");
	is_str(sc.seen, "s-1", "nothing else handed over");

	is_str(drain_at(&sc, T0 + 1000, "pay", &c, 0), "0 2 0 1",
	    "the retries again, once each");
	is_str(sc.seen, "s-1 r-1 r-quiet",
	    "the skipped job is offered again at once, due longest");
	is_str(job_line(s, "pay", "r-1"), "pending 2 2500 HTTP 503 0",
	    "2nd attempt: backoff doubled, capped at max_ms");
	is_str(drain_at(&sc, T0 + 2500, "pay", &c, 0), "0 2 2 1",
	    "3rd failure of each: both dead");
	is_str(job_line(s, "pay", "r-1"), "dead 3 2500 HTTP 503 0",
	    "dead after max_attempts (next_at: when), error kept");

	is_str(drain_at(&sc, T0 + 60000, "pay", &c, 0), "0 0 0 1",
	    "in the end only the skipped job comes back");
	is_str(sc.seen, "s-1", "it alone");
	is_str(job_line(s, "pay", "d-1"), "done 0 0 - 0", "done stays done");
	is_str(job_line(s, "other", "d-2"), "pending 0 0 - 0",
	    "the other kind still untouched");
	is_int(va_outbox_count(s, "pay", "dead"), 3, "3 dead jobs of the kind");

	/* kind NULL: any kind. */
	is_str(drain_at(&sc, T0 + 200000, NULL, &c, 0), "1 0 0 1",
	    "kind NULL drains every kind");
	is_str(sc.seen, "s-1 d-2", "due longest first");
	va_store_exec(s, "DELETE FROM outbox");
}

static void
test_drain_max(struct va_store *s)
{
	struct script sc;
	char key[16];
	int i;

	script_reset(&sc, s);
	va_clock_set_fixed(T0);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "d-%d", i);
		va_outbox_put(s, "max", key, "{}", NULL);
	}
	va_outbox_put(s, "max", "s-0", "{}", NULL);
	va_outbox_put(s, "max", "r-0", "{}", NULL);
	va_outbox_put(s, "max", "d-9", "{}", NULL);
	is_str(drain_at(&sc, T0, "max", NULL, 2), "2 0 0 0",
	    "max 2: two jobs");
	is_int(sc.calls, 2, "two handed over");
	is_int(va_outbox_count(s, "max", "pending"), 6, "six left");
	is_str(drain_at(&sc, T0, "max", NULL, 5), "3 1 0 1",
	    "max counts skipped and failed jobs too");
	is_str(sc.seen, "d-2 d-3 d-4 s-0 r-0", "the next five in order");
	is_str(job_line(s, "max", "d-9"), "pending 0 0 - 0",
	    "the sixth is left for the next run");
	is_str(drain_at(&sc, T0, "max", NULL, 3), "1 0 0 1",
	    "nothing more due: the run ends before max");
	is_str(sc.seen, "s-0 d-9", "the skipped one again, and the last one");
	va_store_exec(s, "DELETE FROM outbox");
}

/*
 * A skipped job's lease is given back when the run ends, not before (it
 * would be handed over again) and not when it is no longer the run's.
 */
static void
test_drain_skip_lease(struct va_store *s)
{
	static const char *const keys[] = { "s-1", "t-1", "s-2" };
	struct script sc;
	size_t i;

	script_reset(&sc, s);
	va_clock_set_fixed(T0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		va_outbox_put(s, "sk", keys[i], "{}", NULL);
	is_str(drain_at(&sc, T0, "sk", &drain_conf, 0), "0 0 0 3",
	    "three skipped, each once");
	is_str(sc.seen, "s-1 t-1 s-2", "in the order claimed");
	is_str(job_line(s, "sk", "s-1"), "pending 0 0 - 0",
	    "the run's lease given back");
	is_str(job_line(s, "sk", "t-1"), "pending 0 0 - 60005",
	    "another worker's lease kept");
	is_int(query_int(s, "SELECT count(*) FROM outbox WHERE kind = 'sk'"
	    " AND lease_until = 0"), 2, "the two leases of the run's own");
	va_store_exec(s, "DELETE FROM outbox");
}

static void
test_drain_report(struct va_store *s)
{
	static const struct va_outbox_conf c = { 1, 0, 0, 0 };
	struct va_outbox_tally t;
	struct script sc;

	va_clock_set_fixed(T0);
	va_outbox_put(s, "rep", "d-1", "{}", NULL);
	va_outbox_put(s, "rep", "r-1", "{}", NULL);
	va_outbox_put(s, "rep", "g-1", "no", NULL);
	va_outbox_put(s, "rep", "s-1", "{}", NULL);
	script_reset(&sc, s);
	is_int(va_outbox_drain_report(s, "rep", &c, 0, scripted, reported,
	    &sc, &t), 0, "drain_report returns 0");
	is_int(sc.reports, 4, "one report per job");
	is_str(sc.reported, "d-1:delivered:-:0 r-1:retry:HTTP 503:1"
	    " g-1:give_up:refused: no:1 s-1:skip:-:0",
	    "verdict, error kept and whether dead");
	ok(sc.recorded, "each report comes after the outcome is stored");
	ok(t.done == 1 && t.failed == 2 && t.dead == 2 && t.skipped == 1,
	    "the same tally as drain");
	va_store_exec(s, "DELETE FROM outbox");
}

static void
test_give_up(struct va_store *s)
{
	static const struct va_outbox_conf c = { 5, 1000, 5000, 60000 };
	int64_t a, b, d;

	va_clock_set_fixed(T0);
	va_outbox_put(s, "gu", "a", "{}", &a);
	va_outbox_put(s, "gu", "b", "{}", &b);
	va_outbox_put(s, "gu", "d", "{}", &d);
	va_outbox_fail(s, a, "HTTP 503", &c);
	va_clock_set_fixed(T0 + 10);
	is_int(va_outbox_give_up(s, a, "HTTP 402"), 0, "give_up");
	is_str(job_line(s, "gu", "a"), "dead 2 10 HTTP 402 0",
	    "dead at once, before max_attempts, attempts counted");
	is_int(va_outbox_give_up(s, a, "again"), 0, "give_up on a dead job");
	is_str(job_line(s, "gu", "a"), "dead 2 10 HTTP 402 0",
	    "changes nothing");
	va_outbox_done(s, b);
	is_int(va_outbox_give_up(s, b, "late"), 0, "give_up on a done job");
	is_str(job_line(s, "gu", "b"), "done 0 0 - 0", "changes nothing");
	is_int(va_outbox_give_up(s, 999999, "none"), 0,
	    "give_up on no job: 0");
	is_int(va_outbox_count(s, "gu", NULL), 3, "and adds none");
	is_int(va_outbox_fail(s, a, "late", &c), 0, "a late fail after it");
	is_str(job_line(s, "gu", "a"), "dead 2 10 HTTP 402 0",
	    "leaves it dead as it was");
	is_str(job_line(s, "gu", "d"), "pending 0 0 - 0",
	    "other jobs untouched");
	va_store_exec(s, "DELETE FROM outbox");
}

/* Claim one job, tell the parent, and wait to be killed. */
static void
claim_and_hang(int wfd)
{
	static const struct va_outbox_conf c = { 0, 0, 0, 30000 };
	struct va_outbox_job job;
	struct va_store *s;
	char r = 'n';

	if ((s = open_db("kill.db")) != NULL &&
	    va_outbox_claim(s, NULL, &c, &job) == 1) {
		r = 'y';
		va_outbox_job_free(&job);
	}
	if (write(wfd, &r, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void
test_kill(void)
{
	static const struct va_outbox_conf c = { 0, 0, 0, 30000 };
	struct va_outbox_job job;
	struct va_store *s;
	pid_t pid;
	char got = 0;
	int fds[2], status;

	va_clock_set_fixed(T0);
	s = open_db("kill.db");
	va_outbox_put(s, "ticket", "call-7", "{\"summary\":\"refund\"}", NULL);
	va_store_close(s);	/* a child must not inherit a connection */

	if (pipe(fds) == -1) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		claim_and_hang(fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &got, 1) != 1)
		got = 0;
	close(fds[0]);
	is_int(got, 'y', "a worker claimed the job");
	kill(pid, SIGKILL);
	ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL, "and was killed with -9");

	s = open_db("kill.db");
	va_clock_set_fixed(T0 + 29999);
	is_int(va_outbox_claim(s, NULL, &c, &job), 0,
	    "its lease still holds the job");
	va_clock_set_fixed(T0 + 30000);
	is_int(va_outbox_claim(s, NULL, &c, &job), 1,
	    "when the lease runs out the job is claimed again");
	is_str(job.key, "call-7", "the same job");
	is_str(job.payload, "{\"summary\":\"refund\"}", "payload intact");
	is_int(job.attempts, 0, "a lost lease is not a failed attempt");
	is_int(va_outbox_done(s, job.id), 0, "delivered");
	va_outbox_job_free(&job);
	is_int(va_outbox_count(s, NULL, "done"), 1, "done once");
	is_int(va_outbox_count(s, NULL, NULL), 1, "nothing lost or doubled");
	va_clock_set_fixed(T0 + 1000000);
	is_int(va_outbox_claim(s, NULL, &c, &job), 0, "nothing left");
	va_store_close(s);
}

/*
 * Drain the outbox, recording each delivery in the transaction that marks
 * the job done, so a job done twice would show as two deliveries.
 */
static int
worker(int n, int startfd)
{
	struct va_outbox_job job;
	struct va_store *s;
	struct va_stmt *st = NULL;
	char c;
	int rc = -1;

	if ((s = open_db("drain.db")) == NULL)
		return 1;
	while (read(startfd, &c, 1) > 0)
		;
	st = va_store_prepare(s,
	    "INSERT INTO delivered (job, worker) VALUES (?, ?)");
	if (st == NULL)
		goto out;
	while ((rc = va_outbox_claim(s, "drain", NULL, &job)) == 1) {
		va_sleep_ms(1);		/* the delivery */
		if (va_store_begin(s) == -1)
			break;
		if (va_stmt_bind_int(st, 1, job.id) == -1 ||
		    va_stmt_bind_int(st, 2, n) == -1 ||
		    va_stmt_step(st) != 0 || va_outbox_done(s, job.id) == -1 ||
		    va_store_commit(s) == -1) {
			va_store_rollback(s);
			rc = -1;
			break;
		}
		va_stmt_reset(st);
		va_outbox_job_free(&job);
	}
	va_outbox_job_free(&job);
out:
	va_stmt_finalize(st);
	va_store_close(s);
	return rc == 0 ? 0 : 1;
}

static void
test_drain(void)
{
	struct va_store *s;
	char key[32];
	pid_t pid[NWORKER];
	int fds[2], i, status, good = 0;

	va_clock_set_fixed(T0);
	s = open_db("drain.db");
	va_store_exec(s, "CREATE TABLE delivered (job INTEGER NOT NULL,"
	    " worker INTEGER NOT NULL)");
	va_store_begin(s);
	for (i = 0; i < NJOBS; i++) {
		snprintf(key, sizeof(key), "job-%03d", i);
		va_outbox_put(s, "drain", key, "{}", NULL);
	}
	va_store_commit(s);
	is_int(va_outbox_count(s, "drain", "pending"), NJOBS,
	    "%d jobs put in one transaction", NJOBS);
	va_store_close(s);

	if (pipe(fds) == -1) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < NWORKER; i++)
		if ((pid[i] = fork()) == 0) {
			close(fds[1]);
			_exit(worker(i, fds[0]));
		}
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < NWORKER; i++)
		if (pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	is_int(good, NWORKER, "%d workers drained the outbox", NWORKER);

	s = open_db("drain.db");
	is_int(va_outbox_count(s, "drain", "done"), NJOBS, "all jobs done");
	is_int(query_int(s, "SELECT count(*) FROM delivered"), NJOBS,
	    "%d deliveries", NJOBS);
	is_int(query_int(s, "SELECT count(DISTINCT job) FROM delivered"),
	    NJOBS, "each job delivered exactly once");
	printf("# deliveries per worker: %lld, %lld, %lld\n",
	    (long long)query_int(s,
	    "SELECT count(*) FROM delivered WHERE worker = 0"),
	    (long long)query_int(s,
	    "SELECT count(*) FROM delivered WHERE worker = 1"),
	    (long long)query_int(s,
	    "SELECT count(*) FROM delivered WHERE worker = 2"));
	va_store_close(s);
}

int
main(void)
{
	struct va_store *s;
	char cmd[600];

	setenv("VA_LOG", "brief", 1);
	va_log_init("t_outbox");
	/* outbox_dead warnings are expected here. */
	va_log_set_level(VA_ERROR);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if ((s = va_store_open(dbpath("va.db"))) == NULL) {
		ok(0, "store opens");
		return tap_done();
	}
	is_int(va_outbox_init(s), 0, "init");
	is_int(va_outbox_init(s), 0, "init again is a no-op");
	is_int(va_store_version(s, "outbox"), 1, "component at version 1");
	test_put(s);
	test_order_lease(s);
	test_backoff(s);
	test_drain_verdicts(s);
	test_drain_max(s);
	test_drain_skip_lease(s);
	test_drain_report(s);
	test_give_up(s);
	va_store_close(s);
	test_kill();
	test_drain();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
