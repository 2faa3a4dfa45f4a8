/*
 * outbox.c - jobs that must not be lost, leased out of the store
 * (see outbox.h).
 *
 * A job is claimable when it is pending, due (next_at) and not leased
 * (lease_until); claiming sets the lease. done and fail clear it, and only
 * touch a pending job, so a late report from a worker whose lease ran out
 * cannot undo what another worker did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"

#define OUTBOX_MAX_ATTEMPTS	8
#define OUTBOX_BASE_MS		30000
#define OUTBOX_MAX_MS		3600000
#define OUTBOX_LEASE_MS		60000

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE outbox ("
	  " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,"
	  " payload TEXT, state TEXT NOT NULL DEFAULT 'pending',"
	  " attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
	  " lease_until INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
	  " created_at INTEGER NOT NULL, done_at INTEGER,"
	  " UNIQUE (kind, key));"
	  "CREATE INDEX outbox_due ON outbox (state, next_at);" },
};

#define JOB_COLUMNS \
	"id, kind, key, payload, state, attempts, next_at, last_error"

struct conf {
	int	max_attempts;
	int64_t	base_ms;
	int64_t	max_ms;
	int64_t	lease_ms;
};

int
va_outbox_init(struct va_store *st)
{
	return va_store_migrate(st, "outbox", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

static void
conf_get(const struct va_outbox_conf *c, struct conf *k)
{
	k->max_attempts = c != NULL && c->max_attempts > 0 ?
	    c->max_attempts : OUTBOX_MAX_ATTEMPTS;
	k->base_ms = c != NULL && c->base_ms > 0 ? c->base_ms :
	    OUTBOX_BASE_MS;
	k->max_ms = c != NULL && c->max_ms > 0 ? c->max_ms : OUTBOX_MAX_MS;
	k->lease_ms = c != NULL && c->lease_ms > 0 ? c->lease_ms :
	    OUTBOX_LEASE_MS;
}

static int
dup_col(struct va_stmt *s, int col, char **out)
{
	const char *v;

	*out = NULL;
	if ((v = va_stmt_text(s, col)) == NULL)
		return 0;
	if ((*out = strdup(v)) == NULL) {
		va_log(VA_ERROR, "outbox_error", "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Fill job from a row of JOB_COLUMNS; 0 or -1 (job freed). */
static int
job_read(struct va_stmt *s, struct va_outbox_job *job)
{
	memset(job, 0, sizeof(*job));
	job->id = va_stmt_int(s, 0);
	job->attempts = (int)va_stmt_int(s, 5);
	job->next_at = va_stmt_int(s, 6);
	if (dup_col(s, 1, &job->kind) == -1 ||
	    dup_col(s, 2, &job->key) == -1 ||
	    dup_col(s, 3, &job->payload) == -1 ||
	    dup_col(s, 4, &job->state) == -1 ||
	    dup_col(s, 7, &job->last_error) == -1) {
		va_outbox_job_free(job);
		return -1;
	}
	return 0;
}

void
va_outbox_job_free(struct va_outbox_job *job)
{
	if (job == NULL)
		return;
	free(job->kind);
	free(job->key);
	free(job->payload);
	free(job->state);
	free(job->last_error);
	memset(job, 0, sizeof(*job));
}

/* The id of kind/key: 1 found, 0 not, -1 error. */
static int
find_id(struct va_store *st, const char *kind, const char *key, int64_t *id)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(st,
	    "SELECT id FROM outbox WHERE kind = ? AND key = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, kind) == 0 &&
	    va_stmt_bind_text(s, 2, key) == 0 &&
	    (rc = va_stmt_step(s)) == 1 && id != NULL)
		*id = va_stmt_int(s, 0);
	va_stmt_finalize(s);
	return rc;
}

int
va_outbox_put(struct va_store *st, const char *kind, const char *key,
    const char *payload, int64_t *id)
{
	struct va_stmt *s;
	int64_t now;
	int rc = -1;

	now = va_clock_ms();
	s = va_store_prepare(st, "INSERT INTO outbox (kind, key, payload,"
	    " next_at, created_at) VALUES (?, ?, ?, ?, ?)"
	    " ON CONFLICT (kind, key) DO NOTHING");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, kind) == 0 &&
	    va_stmt_bind_text(s, 2, key) == 0 &&
	    va_stmt_bind_text(s, 3, payload) == 0 &&
	    va_stmt_bind_int(s, 4, now) == 0 &&
	    va_stmt_bind_int(s, 5, now) == 0 && va_stmt_step(s) == 0)
		rc = va_store_changes(st) > 0;
	va_stmt_finalize(s);
	if (rc == 1 && id != NULL)
		*id = va_store_last_rowid(st);
	/* Jobs are never deleted, so the one that won stays to be found. */
	if (rc == 0 && find_id(st, kind, key, id) != 1)
		rc = -1;
	return rc;
}

/* Select the next due job into *job; 1, 0 or -1. */
static int
claim_select(struct va_store *st, const char *kind, int64_t now,
    struct va_outbox_job *job)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(st, "SELECT " JOB_COLUMNS " FROM outbox"
	    " WHERE state = 'pending' AND next_at <= ?1 AND lease_until <= ?1"
	    " AND (?2 IS NULL OR kind = ?2) ORDER BY next_at, id LIMIT 1");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_int(s, 1, now) == 0 &&
	    va_stmt_bind_text(s, 2, kind) == 0 &&
	    (rc = va_stmt_step(s)) == 1 && job_read(s, job) == -1)
		rc = -1;
	va_stmt_finalize(s);
	return rc;
}

static int
lease(struct va_store *st, int64_t id, int64_t until)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(st,
	    "UPDATE outbox SET lease_until = ? WHERE id = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_int(s, 1, until) == 0 &&
	    va_stmt_bind_int(s, 2, id) == 0 && va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

int
va_outbox_claim(struct va_store *st, const char *kind,
    const struct va_outbox_conf *c, struct va_outbox_job *job)
{
	struct conf k;
	int64_t now;
	int rc;

	conf_get(c, &k);
	memset(job, 0, sizeof(*job));
	/* Select and lease under the write lock: one claimant per job. */
	if (va_store_begin(st) == -1)
		return -1;
	now = va_clock_ms();
	if ((rc = claim_select(st, kind, now, job)) != 1) {
		va_store_rollback(st);
		return rc;
	}
	if (lease(st, job->id, now + k.lease_ms) == -1 ||
	    va_store_commit(st) == -1) {
		va_store_rollback(st);
		va_outbox_job_free(job);
		return -1;
	}
	job->lease_until = now + k.lease_ms;
	return 1;
}

int
va_outbox_done(struct va_store *st, int64_t id)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(st, "UPDATE outbox SET state = 'done',"
	    " done_at = ?, lease_until = 0 WHERE id = ? AND state = 'pending'");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_int(s, 1, va_clock_ms()) == 0 &&
	    va_stmt_bind_int(s, 2, id) == 0 && va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

/* The wait after the n-th failed attempt: base * 2^(n-1), at most max. */
static int64_t
backoff(const struct conf *k, int n)
{
	int64_t ms = k->base_ms;

	while (--n > 0 && ms < k->max_ms && ms <= INT64_MAX / 2)
		ms *= 2;
	return ms < k->max_ms ? ms : k->max_ms;
}

static int
fail_update(struct va_store *st, int64_t id, int attempts, int dead,
    int64_t next_at, const char *error)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(st, "UPDATE outbox SET attempts = ?,"
	    " state = ?, next_at = ?, lease_until = 0, last_error = ?"
	    " WHERE id = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_int(s, 1, attempts) == 0 &&
	    va_stmt_bind_text(s, 2, dead ? "dead" : "pending") == 0 &&
	    va_stmt_bind_int(s, 3, next_at) == 0 &&
	    va_stmt_bind_text(s, 4, error) == 0 &&
	    va_stmt_bind_int(s, 5, id) == 0 && va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

/*
 * A failed attempt: back off, or dead (now, or after max_attempts); *deadp
 * (may be NULL) says whether this report killed the job. 0 or -1.
 */
static int
fail_job(struct va_store *st, int64_t id, const char *error,
    const struct conf *k, int give_up, int *deadp)
{
	struct va_stmt *s;
	int64_t now;
	int attempts, dead, rc;

	if (deadp != NULL)
		*deadp = 0;
	if (va_store_begin(st) == -1)
		return -1;
	s = va_store_prepare(st,
	    "SELECT attempts FROM outbox WHERE id = ? AND state = 'pending'");
	if (s == NULL)
		goto fail;
	if (va_stmt_bind_int(s, 1, id) == -1 ||
	    (rc = va_stmt_step(s)) == -1) {
		va_stmt_finalize(s);
		goto fail;
	}
	attempts = rc == 1 ? (int)va_stmt_int(s, 0) + 1 : 0;
	va_stmt_finalize(s);
	/* Done, dead or gone already: a late report changes nothing. */
	if (rc == 0)
		return va_store_rollback(st);
	now = va_clock_ms();
	dead = give_up || attempts >= k->max_attempts;
	if (fail_update(st, id, attempts, dead,
	    dead ? now : now + backoff(k, attempts), error) == -1)
		goto fail;
	if (dead)
		va_log(VA_WARN, "outbox_dead", "outbox job %lld dead after"
		    " %d attempts: %s", (long long)id, attempts,
		    error != NULL ? error : "unknown error");
	if (va_store_commit(st) == -1)
		return -1;
	if (deadp != NULL)
		*deadp = dead;
	return 0;
fail:
	va_store_rollback(st);
	return -1;
}

int
va_outbox_fail(struct va_store *st, int64_t id, const char *error,
    const struct va_outbox_conf *c)
{
	struct conf k;

	conf_get(c, &k);
	return fail_job(st, id, error, &k, 0, NULL);
}

int
va_outbox_give_up(struct va_store *st, int64_t id, const char *error)
{
	struct conf k;

	conf_get(NULL, &k);
	return fail_job(st, id, error, &k, 1, NULL);
}

int
va_outbox_get(struct va_store *st, const char *kind, const char *key,
    struct va_outbox_job *job)
{
	struct va_stmt *s;
	int rc = -1;

	memset(job, 0, sizeof(*job));
	s = va_store_prepare(st, "SELECT " JOB_COLUMNS " FROM outbox"
	    " WHERE kind = ? AND key = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, kind) == 0 &&
	    va_stmt_bind_text(s, 2, key) == 0 &&
	    (rc = va_stmt_step(s)) == 1 && job_read(s, job) == -1)
		rc = -1;
	va_stmt_finalize(s);
	return rc;
}

long
va_outbox_count(struct va_store *st, const char *kind, const char *state)
{
	struct va_stmt *s;
	long n = -1;

	s = va_store_prepare(st, "SELECT count(*) FROM outbox"
	    " WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR state = ?2)");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, kind) == 0 &&
	    va_stmt_bind_text(s, 2, state) == 0 && va_stmt_step(s) == 1)
		n = (long)va_stmt_int(s, 0);
	va_stmt_finalize(s);
	return n;
}

int
va_outbox_drain(struct va_store *st, const char *kind,
    const struct va_outbox_conf *c, long max, va_outbox_deliver_fn deliver,
    void *arg, struct va_outbox_tally *tally)
{
	return va_outbox_drain_report(st, kind, c, max, deliver, NULL, arg,
	    tally);
}

/* The jobs a drain skipped, with the lease it holds on each. */
struct skipped {
	struct { int64_t id, until; } *v;
	size_t	 n, cap;
};

static int
skipped_add(struct skipped *sk, int64_t id, int64_t until)
{
	size_t cap;
	void *p;

	if (sk->n == sk->cap) {
		cap = sk->cap ? sk->cap * 2 : 16;
		if ((p = realloc(sk->v, cap * sizeof(*sk->v))) == NULL)
			return -1;
		sk->v = p;
		sk->cap = cap;
	}
	sk->v[sk->n].id = id;
	sk->v[sk->n++].until = until;
	return 0;
}

/*
 * Give back the leases a drain took on the jobs it skipped, so that their
 * own worker need not wait for them to run out. Only a lease that is still
 * this drain's is cleared: after lease_ms another worker may hold it.
 */
static void
skipped_release(struct va_store *st, struct skipped *sk)
{
	struct va_stmt *s;
	size_t i;

	for (i = 0; i < sk->n; i++) {
		s = va_store_prepare(st, "UPDATE outbox SET lease_until = 0"
		    " WHERE id = ? AND state = 'pending' AND lease_until = ?");
		if (s == NULL || va_stmt_bind_int(s, 1, sk->v[i].id) != 0 ||
		    va_stmt_bind_int(s, 2, sk->v[i].until) != 0 ||
		    va_stmt_step(s) != 0)
			va_log(VA_WARN, "outbox_error", "outbox job %lld: its"
			    " lease was not given back and runs out",
			    (long long)sk->v[i].id);
		va_stmt_finalize(s);
	}
	free(sk->v);
}

int
va_outbox_drain_report(struct va_store *st, const char *kind,
    const struct va_outbox_conf *c, long max, va_outbox_deliver_fn deliver,
    va_outbox_report_fn report, void *arg, struct va_outbox_tally *tally)
{
	struct va_outbox_job job;
	struct skipped sk = { NULL, 0, 0 };
	struct conf k;
	enum va_outbox_verdict v;
	char err[512];
	int rc = 0, dead;

	conf_get(c, &k);
	memset(tally, 0, sizeof(*tally));
	while (max == 0 || tally->done + tally->failed + tally->skipped < max) {
		if ((rc = va_outbox_claim(st, kind, c, &job)) <= 0)
			break;
		*err = '\0';
		v = deliver(arg, &job, err, sizeof(err));
		if (*err == '\0')
			snprintf(err, sizeof(err), "not delivered");
		dead = 0;
		switch (v) {
		case VA_OUTBOX_DELIVERED:
			rc = va_outbox_done(st, job.id);
			tally->done++;
			break;
		case VA_OUTBOX_SKIP:
			/*
			 * Leased until the run ends, so that it is not
			 * handed over again; then given back.
			 */
			rc = 0;
			if (skipped_add(&sk, job.id, job.lease_until) == -1)
				va_log(VA_WARN, "outbox_error", "out of memory:"
				    " job %lld stays leased until its lease"
				    " runs out", (long long)job.id);
			tally->skipped++;
			break;
		case VA_OUTBOX_GIVE_UP:
			rc = fail_job(st, job.id, err, &k, 1, &dead);
			tally->failed++;
			break;
		default:
			rc = fail_job(st, job.id, err, &k, 0, &dead);
			tally->failed++;
			break;
		}
		if (rc == 0 && dead)
			tally->dead++;
		if (rc == 0 && report != NULL)
			report(arg, &job, v, v == VA_OUTBOX_DELIVERED ||
			    v == VA_OUTBOX_SKIP ? NULL : err, dead);
		if (rc == -1)
			va_log(VA_ERROR, "outbox_error", "outbox job %lld: the"
			    " outcome was not recorded", (long long)job.id);
		va_outbox_job_free(&job);
		if (rc == -1)
			break;
	}
	skipped_release(st, &sk);
	return rc < 0 ? -1 : 0;
}
