/*
 * breaker.c - circuit breakers shared through the store (see breaker.h).
 *
 * A row per backend: state "closed", "open" or "half_open", the count of
 * consecutive failures, and opened_at, when it last opened or when its
 * half-open trial was handed out. A closed breaker is decided by a plain
 * read; anything else is decided inside an IMMEDIATE transaction, so of
 * several processes asking at the end of the cool-down exactly one gets
 * the trial. A trial that never reports (its process died) is given up
 * after another cool-down and a new one handed out.
 */
#include <string.h>

#include "breaker.h"
#include "clock.h"
#include "log.h"

#define BREAKER_THRESHOLD	5
#define BREAKER_COOLDOWN_MS	30000

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE breaker_state ("
	  " name TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0,"
	  " opened_at INTEGER, state TEXT NOT NULL DEFAULT 'closed')" },
};

struct row {
	int	state;		/* enum va_breaker_state as stored */
	int	failures;
	int64_t	opened_at;
};

int
va_breaker_init(struct va_store *st)
{
	return va_store_migrate(st, "breaker", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

static void
conf_get(const struct va_breaker_conf *c, int *threshold, int64_t *cooldown)
{
	*threshold = c != NULL && c->threshold > 0 ? c->threshold :
	    BREAKER_THRESHOLD;
	*cooldown = c != NULL && c->cooldown_ms > 0 ? c->cooldown_ms :
	    BREAKER_COOLDOWN_MS;
}

static int
state_parse(const char *s)
{
	if (s != NULL && strcmp(s, "open") == 0)
		return VA_BREAKER_OPEN;
	if (s != NULL && strcmp(s, "half_open") == 0)
		return VA_BREAKER_HALF_OPEN;
	return VA_BREAKER_CLOSED;
}

static const char *
state_name(int state)
{
	switch (state) {
	case VA_BREAKER_OPEN:
		return "open";
	case VA_BREAKER_HALF_OPEN:
		return "half_open";
	default:
		return "closed";
	}
}

/* Read name's row; a missing row is a closed breaker. 0 or -1. */
static int
row_read(struct va_store *st, const char *name, struct row *r)
{
	struct va_stmt *s;
	int rc;

	memset(r, 0, sizeof(*r));
	r->state = VA_BREAKER_CLOSED;
	s = va_store_prepare(st, "SELECT state, failures, opened_at"
	    " FROM breaker_state WHERE name = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, name) == -1) {
		va_stmt_finalize(s);
		return -1;
	}
	if ((rc = va_stmt_step(s)) == 1) {
		r->state = state_parse(va_stmt_text(s, 0));
		r->failures = (int)va_stmt_int(s, 1);
		r->opened_at = va_stmt_int(s, 2);
	}
	va_stmt_finalize(s);
	return rc == -1 ? -1 : 0;
}

static int
row_write(struct va_store *st, const char *name, const struct row *r)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(st, "INSERT INTO breaker_state"
	    " (name, failures, opened_at, state) VALUES (?, ?, ?, ?)"
	    " ON CONFLICT (name) DO UPDATE SET failures = excluded.failures,"
	    " opened_at = excluded.opened_at, state = excluded.state");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, name) == 0 &&
	    va_stmt_bind_int(s, 2, r->failures) == 0 &&
	    (r->state == VA_BREAKER_CLOSED ? va_stmt_bind_null(s, 3) :
	    va_stmt_bind_int(s, 3, r->opened_at)) == 0 &&
	    va_stmt_bind_text(s, 4, state_name(r->state)) == 0 &&
	    va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

int
va_breaker_allow(struct va_store *st, const char *name,
    const struct va_breaker_conf *c)
{
	struct row r;
	int64_t cooldown, now;
	int threshold, allow;

	conf_get(c, &threshold, &cooldown);
	if (row_read(st, name, &r) == -1)
		return -1;
	if (r.state == VA_BREAKER_CLOSED)
		return 1;
	now = va_clock_ms();
	if (now - r.opened_at < cooldown)
		return 0;

	/* The trial is at stake: decide again holding the write lock. */
	if (va_store_begin(st) == -1)
		return -1;
	if (row_read(st, name, &r) == -1)
		goto fail;
	now = va_clock_ms();
	if (r.state == VA_BREAKER_CLOSED)
		allow = 1;
	else if (now - r.opened_at < cooldown)
		allow = 0;
	else {
		r.state = VA_BREAKER_HALF_OPEN;
		r.opened_at = now;
		if (row_write(st, name, &r) == -1)
			goto fail;
		allow = 1;
	}
	if (va_store_commit(st) == -1)
		return -1;
	return allow;
fail:
	va_store_rollback(st);
	return -1;
}

int
va_breaker_success(struct va_store *st, const char *name)
{
	struct va_stmt *s;
	int rc = -1;

	/* A missing row is closed already. */
	s = va_store_prepare(st, "UPDATE breaker_state SET failures = 0,"
	    " opened_at = NULL, state = 'closed' WHERE name = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, name) == 0 && va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

int
va_breaker_failure(struct va_store *st, const char *name,
    const struct va_breaker_conf *c)
{
	struct row r;
	int64_t cooldown;
	int threshold;

	conf_get(c, &threshold, &cooldown);
	if (va_store_begin(st) == -1)
		return -1;
	if (row_read(st, name, &r) == -1)
		goto fail;
	r.failures++;
	/*
	 * A failed trial opens it again with a fresh cool-down; a late
	 * failure while open leaves the cool-down as it is.
	 */
	if (r.state == VA_BREAKER_HALF_OPEN ||
	    (r.state == VA_BREAKER_CLOSED && r.failures >= threshold)) {
		r.state = VA_BREAKER_OPEN;
		r.opened_at = va_clock_ms();
		va_log(VA_WARN, "breaker_open",
		    "%s: open after %d consecutive failures", name,
		    r.failures);
	}
	if (row_write(st, name, &r) == -1)
		goto fail;
	return va_store_commit(st);
fail:
	va_store_rollback(st);
	return -1;
}

int
va_breaker_state(struct va_store *st, const char *name,
    const struct va_breaker_conf *c)
{
	int failures;

	return va_breaker_peek(st, name, c, &failures);
}

int
va_breaker_peek(struct va_store *st, const char *name,
    const struct va_breaker_conf *c, int *failures)
{
	struct row r;
	int64_t cooldown;
	int threshold;

	conf_get(c, &threshold, &cooldown);
	*failures = 0;
	if (row_read(st, name, &r) == -1)
		return -1;
	*failures = r.failures;
	/* Open past its cool-down: the next request is the trial. */
	if (r.state == VA_BREAKER_OPEN &&
	    va_clock_ms() - r.opened_at >= cooldown)
		return VA_BREAKER_HALF_OPEN;
	return r.state;
}
